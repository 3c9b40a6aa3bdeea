package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 16 << 20

// queryRequest is a decoded POST /query body.
type queryRequest struct {
	SQL    string
	Params []types.Value // nil when the request has none
}

// apiError is an error answer: an HTTP status and the SQLSTATE error.
type apiError struct {
	status int
	err    *errs.Error
}

func (e *apiError) Error() string { return e.err.Error() }

func newAPIError(status int, code, msg string) *apiError {
	return &apiError{status: status, err: errs.New(code, msg)}
}

// toAPIError maps any error to its HTTP answer.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	e, ok := errs.As(err)
	if !ok {
		e = &errs.Error{Code: errs.InternalError, Message: err.Error(), Err: err}
	}
	return &apiError{status: errs.HTTPStatus(e.Code), err: e}
}

// wireRequest is the JSON shape; pointers tell absent from empty.
type wireRequest struct {
	SQL    *string `json:"sql"`
	Params []any   `json:"params"`
}

// decodeQueryRequest reads and checks a query request body. body should
// already be limited (http.MaxBytesReader); exceeding the limit gives 413.
func decodeQueryRequest(body io.Reader) (queryRequest, *apiError) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var w wireRequest
	if err := dec.Decode(&w); err != nil {
		return queryRequest{}, decodeError(err)
	}
	// Exactly one JSON value: anything but whitespace after it is an error.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return queryRequest{}, decodeError(err)
		}
		return queryRequest{}, newAPIError(http.StatusBadRequest, errs.InvalidTextRep,
			"invalid JSON in request body: trailing data after the request object")
	}
	if w.SQL == nil {
		return queryRequest{}, newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
			`request body must be a JSON object with a "sql" string`)
	}
	if strings.TrimSpace(*w.SQL) == "" {
		return queryRequest{}, newAPIError(http.StatusBadRequest, errs.ProtocolViolation, `"sql" is empty`)
	}
	req := queryRequest{SQL: *w.SQL}
	if len(w.Params) > 0 {
		req.Params = make([]types.Value, len(w.Params))
		for i, p := range w.Params {
			req.Params[i] = types.FromJSON(p)
		}
	}
	return req, nil
}

func decodeError(err error) *apiError {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return newAPIError(http.StatusRequestEntityTooLarge, errs.ProgramLimitExceeded,
			fmt.Sprintf("request body exceeds the limit of %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		return newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
			`empty request body: expected a JSON object with a "sql" string`)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return newAPIError(http.StatusBadRequest, errs.InvalidTextRep, "invalid JSON in request body: "+err.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
				`request body must be a JSON object with a "sql" string`)
		}
		return newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
			fmt.Sprintf("request field %q must be of JSON type %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value))
	}
	// encoding/json reports unknown fields and other shape problems with
	// plain errors.
	return newAPIError(http.StatusBadRequest, errs.ProtocolViolation, "bad request body: "+err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice":
		return "array"
	case "ptr":
		return "string"
	}
	return goKind
}

// bindParams converts JSON params to the statement's parameter types.
func bindParams(paramTypes []types.T, params []types.Value) ([]types.Value, error) {
	if len(params) != len(paramTypes) {
		// errs.HTTPStatus maps 08P01 to 500 (a server-side protocol
		// failure); here it is the client's request that is wrong.
		return nil, newAPIError(http.StatusBadRequest, errs.ProtocolViolation,
			fmt.Sprintf("query has %d parameters but the request supplies %d", len(paramTypes), len(params)))
	}
	out := make([]types.Value, len(params))
	for i, v := range params {
		t := paramTypes[i]
		var (
			conv types.Value
			err  error
		)
		if s, ok := v.(string); ok {
			conv, err = types.ParseText(s, t)
		} else {
			conv, err = types.Coerce(v, t)
		}
		if err != nil {
			return nil, errs.Errorf(errs.Code(err), "parameter $%d: %w", i+1, err)
		}
		out[i] = conv
	}
	return out, nil
}

// readLimited wraps a request body with the configured limit.
func readLimited(w http.ResponseWriter, r *http.Request, limit int64) io.Reader {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	return http.MaxBytesReader(w, r.Body, limit)
}
