package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// SQLSTATE codes used across NodeDB-Go.
const (
	SyntaxError               = "42601"
	UndefinedTable            = "42P01"
	UndefinedColumn           = "42703"
	UndefinedObject           = "42704"
	UndefinedFunction         = "42883"
	DuplicateFunction         = "42723"
	DuplicateObject           = "42710"
	DuplicateTable            = "42P07"
	DuplicateColumn           = "42701"
	AmbiguousColumn           = "42702"
	AmbiguousAlias            = "42P09"
	DatatypeMismatch          = "42804"
	CannotCoerce              = "42846"
	GroupingError             = "42803"
	InvalidTextRep            = "22P02"
	InvalidParameterValue     = "22023"
	NumericOutOfRange         = "22003"
	DivisionByZero            = "22012"
	StringTooLong             = "22001"
	InvalidDatetime           = "22007"
	DatetimeOverflow          = "22008"
	NotNullViolation          = "23502"
	UniqueViolation           = "23505"
	SerializationFailure      = "40001"
	DeadlockDetected          = "40P01"
	LockNotAvailable          = "55P03"
	DependentObjects          = "2BP01"
	ObjectNotInState          = "55000"
	SequenceLimitExceeded     = "2200H"
	GeneratedAlways           = "428C9"
	InvalidTableDefinition    = "42P16"
	CheckViolation            = "23514"
	ForeignKeyViolation       = "23503"
	InvalidSchemaName         = "3F000"
	InvalidForeignKey         = "42830"
	FeatureNotSupported       = "0A000"
	InvalidTxnState           = "25000"
	ActiveSQLTransaction      = "25001"
	NoActiveSQLTransaction    = "25P01"
	InFailedSQLTransaction    = "25P02"
	InvalidPassword           = "28P01"
	InvalidAuthorization      = "28000"
	ProtocolViolation         = "08P01"
	QueryCanceled             = "57014"
	AdminShutdown             = "57P01"
	ProgramLimitExceeded      = "54000"
	StatementTooComplex       = "54001"
	InvalidFunctionDefinition = "42P13"
	InternalError             = "XX000"
	DataCorrupted             = "XX001"
	IOError                   = "58030"
	InvalidCursorName         = "34000"
	DuplicateCursor           = "42P03"
	InvalidPreparedStmt       = "26000"
	DuplicatePreparedStmt     = "42P05"
	DuplicateSchema           = "42P06"
	CardinalityViolation      = "21000"
	InvalidColumnReference    = "42P10"
	BadCopyFileFormat         = "22P04"
	ObjectInUse               = "55006"
	DuplicateAlias            = "42712"
	InvalidObjectDefinition   = "42P17"
	WrongObjectType           = "42809"
	ReservedName              = "42939"
	UndefinedParameter        = "42P02"
	InvalidSavepoint          = "3B001"
	NameTooLong               = "42622"
)

// Error is an error with a SQLSTATE, an optional 1-based character position
// in the statement text, and optional detail and hint lines.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int   // 1-based byte offset into the query; 0 when unknown
	Err      error // wrapped cause, may be nil
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with the given SQLSTATE and message.
func New(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Errorf formats a message. A %w verb wraps its operand as the cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// WithHint returns e with a hint set.
func (e *Error) WithHint(h string) *Error { e.Hint = h; return e }

// WithDetail returns e with a detail set.
func (e *Error) WithDetail(d string) *Error { e.Detail = d; return e }

// WithPosition returns e with a position set.
func (e *Error) WithPosition(p int) *Error { e.Position = p; return e }

// As finds the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Code returns the SQLSTATE of err, or XX000 when it carries none.
func Code(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return InternalError
}

// Is reports whether err carries the given SQLSTATE.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// HTTPStatus maps a SQLSTATE to the HTTP status the HTTP API answers with.
func HTTPStatus(code string) int {
	switch {
	case code == UndefinedTable || code == UndefinedObject:
		return http.StatusNotFound
	case code == UniqueViolation || code == SerializationFailure || code == DeadlockDetected || code == LockNotAvailable || code == DuplicateObject ||
		code == DuplicateTable || code == DependentObjects || code == ObjectNotInState:
		return http.StatusConflict
	case code == InvalidPassword || code == InvalidAuthorization:
		return http.StatusUnauthorized
	case code == FeatureNotSupported:
		return http.StatusNotImplemented
	case code == QueryCanceled:
		return http.StatusRequestTimeout
	case code == AdminShutdown:
		return http.StatusServiceUnavailable
	case len(code) == 5 && (code[:2] == "42" || code[:2] == "22" || code[:2] == "23" ||
		code[:2] == "25" || code[:2] == "0A" || code[:2] == "21" || code[:2] == "54"):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// Severity returns the pg severity for an error code.
func Severity(code string) string {
	if code == AdminShutdown {
		return "FATAL"
	}
	return "ERROR"
}
