package pgwire

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/nodedb-go/nodedb/errs"
)

// ErrorFields maps an error to the ErrorResponse sent to the client: the
// SQLSTATE, message, detail, hint and position of the first *errs.Error in
// its chain. A bare context cancellation is 57014; anything else is XX000
// with the error's text.
func ErrorFields(err error) *pgproto3.ErrorResponse {
	r := &pgproto3.ErrorResponse{Code: errs.InternalError, Message: err.Error()}
	if e, ok := errs.As(err); ok {
		r.Code, r.Message, r.Detail, r.Hint, r.Position = e.Code, e.Message, e.Detail, e.Hint, int32(e.Position)
	} else if errors.Is(err, context.Canceled) {
		r.Code, r.Message = errs.QueryCanceled, "canceling statement due to user request"
	} else if errors.Is(err, context.DeadlineExceeded) {
		r.Code, r.Message = errs.QueryCanceled, "canceling statement due to statement timeout"
	}
	var w *whereErr
	if errors.As(err, &w) {
		r.Where = w.where
	}
	r.Severity = errs.Severity(r.Code)
	r.SeverityUnlocalized = r.Severity
	return r
}

// fatal returns err's ErrorResponse with severity FATAL, for errors after
// which the connection is closed.
func fatal(err error) *pgproto3.ErrorResponse {
	r := ErrorFields(err)
	r.Severity, r.SeverityUnlocalized = "FATAL", "FATAL"
	return r
}

// whereErr adds the ErrorResponse "where" (CONTEXT) line to an error.
type whereErr struct {
	err   error
	where string
}

func (e *whereErr) Error() string { return e.err.Error() }
func (e *whereErr) Unwrap() error { return e.err }

func withWhere(err error, where string) error { return &whereErr{err: err, where: where} }
