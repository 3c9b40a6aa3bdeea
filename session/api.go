package session

import (
	"github.com/nodedb-go/nodedb/sql/types"
)

// Column describes one result column as the protocols announce it.
type Column struct {
	Name     string
	Type     types.T
	TypeMod  int32  // -1 when none
	TableOID uint32 // 0 when the column is not a plain table column
	AttrNum  int16  // 0 when the column is not a plain table column
}

// Notice is a non-error message for the client (pg NoticeResponse).
type Notice struct {
	Severity string // "NOTICE", "WARNING", "INFO"
	Code     string // SQLSTATE
	Message  string
	Detail   string
}

// Result is the outcome of one statement.
type Result struct {
	// Columns is nil for statements that return no rows (the protocol then
	// sends NoData / no RowDescription); a query with zero result rows still
	// has Columns.
	Columns []Column
	Rows    []types.Row
	// Tag is the CommandComplete tag, e.g. "SELECT 3", "INSERT 0 2",
	// "UPDATE 1", "CREATE COLLECTION", "BEGIN".
	Tag string
	// RowsAffected counts rows written by DML (and rows returned by SELECT).
	RowsAffected int64
	Notices      []Notice
	// Copy is set when the statement is COPY ... FROM STDIN: the protocol
	// must feed the rows it receives to Copy and then call Finish or Abort.
	Copy *CopyIn
	// CopyOut is set when the statement is COPY ... TO STDOUT: Rows are
	// to be sent as COPY data.
	CopyOut *CopyOut
}

// TxStatus is the pg ReadyForQuery transaction indicator.
type TxStatus byte

// Transaction states as pg reports them.
const (
	TxIdle   TxStatus = 'I' // not in a transaction block
	TxActive TxStatus = 'T' // in a transaction block
	TxFailed TxStatus = 'E' // in a failed transaction block
)
