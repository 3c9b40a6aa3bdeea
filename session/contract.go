package session

import (
	"context"

	"github.com/nodedb-go/nodedb/sql/types"
)

// This file states the surface the protocols use. Bodies live elsewhere in
// the package.

// Prepared is one parsed (and, for queries, planned) statement.
//
//	ParamTypes: the inferred type of each $n (Unknown when not inferable;
//	            protocols then send/accept text).
//	Columns:    the result columns, nil when the statement returns no rows.
type Prepared struct {
	SQL        string
	ParamTypes []types.T
	Columns    []Column
	prep       *prepared
}

// CopyIn receives the rows of a COPY ... FROM STDIN. The protocol decodes
// each data row into values of Columns' types and calls Append; Finish
// writes everything in one transaction and returns the "COPY n" result.
type CopyIn struct {
	Columns []Column
	Format  string // "text", "csv" or "binary"
	Delim   byte   // field delimiter for text/csv
	Null    string // NULL marker for text/csv
	Header  bool   // csv: skip the first line
	cp      *copyState
}

// CopyOut is the result of COPY ... TO STDOUT: the protocol sends the
// Result's rows as COPY data in this format instead of as DataRows.
type CopyOut struct {
	Format string // "text", "csv" or "binary"
	Delim  byte
	Null   string
	Header bool // first a line of the column names
}

var (
	_ = (*Manager).NewSession
	_ = (*Session).Prepare
	_ = (*Session).PrepareMulti
	_ = (*Session).Execute
	_ = (*Session).Close
	_ = (*Session).TxStatus
	_ = (*Session).Cancel
	_ = (*Session).ParamStatus
	_ = (*Manager).Cancel
	_ = (*CopyIn).Append
	_ = (*CopyIn).Finish
	_ = (*CopyIn).Abort
	_ context.Context
)
