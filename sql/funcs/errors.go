package funcs

import (
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// SQLSTATE codes used only by this package.
const (
	codeInvalidArgForLog   = "2201E"
	codeInvalidArgForPower = "2201F"
	codeInvalidRegex       = "2201B"
	codeInvalidEscape      = "22025"
	codeSubstringError     = "22011"
	codeNullNotAllowed     = "22004"
	codeInvalidDatetimeFmt = "22007"
)

func undefinedOp(op string, l, r types.T) error {
	return errs.Errorf(errs.UndefinedFunction, "operator does not exist: %s %s %s", l, op, r).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

func undefinedUnary(op string, t types.T) error {
	return errs.Errorf(errs.UndefinedFunction, "operator does not exist: %s %s", op, t).
		WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast.")
}

func undefinedFunc(name string, args []types.T) error {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.String()
	}
	return errs.Errorf(errs.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(names, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

func bigintRange() error { return errs.New(errs.NumericOutOfRange, "bigint out of range") }

func divZero() error { return errs.New(errs.DivisionByZero, "division by zero") }

func floatOverflow() error { return errs.New(errs.NumericOutOfRange, "value out of range: overflow") }

func invalidParam(format string, args ...any) error {
	return errs.Errorf(errs.InvalidParameterValue, format, args...)
}
