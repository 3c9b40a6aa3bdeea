package session

import (
	"errors"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/txn"
)

// mark is a session savepoint: the transaction's savepoint plus how much
// of the session's commit-time work (NOTIFYs, LISTENs, DEFERRED triggers) existed
// when it was taken. Used by SAVEPOINT and by procedural blocks with
// EXCEPTION handlers.
type mark struct {
	name     string
	sp       txn.Savepoint
	notify   int
	listen   int
	deferred int
	fk       exec.FKMark // the deferred foreign-key checks
}

// setMark takes a savepoint in the session's transaction (which must
// exist).
func (s *Session) setMark(name string) mark {
	return mark{name: name, sp: s.tx.Savepoint(), notify: len(s.pendingNotify), listen: len(s.pendingListen), deferred: len(s.deferred),
		fk: s.fkDeferred.Mark()}
}

// rollbackToMark undoes what the transaction and the session did since
// m; m stays open.
func (s *Session) rollbackToMark(m mark) {
	s.tx.RollbackTo(m.sp)
	s.pendingNotify = s.pendingNotify[:min(m.notify, len(s.pendingNotify))]
	if m.listen < len(s.pendingListen) {
		undone := append([]listenOp(nil), s.pendingListen[m.listen:]...)
		s.pendingListen = s.pendingListen[:m.listen]
		s.settleListen(undone, false)
	}
	s.deferred = s.deferred[:min(m.deferred, len(s.deferred))]
	s.fkDeferred.Rewind(m.fk)
}

// releaseMark closes m, keeping what was done since.
func (s *Session) releaseMark(m mark) { s.tx.Release(m.sp) }

// savepointStmt runs SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO
// [SAVEPOINT] inside a transaction block, with PostgreSQL's rules: names
// may repeat (the newest wins), RELEASE and ROLLBACK TO also drop the
// savepoints taken after the named one, ROLLBACK TO keeps the named one
// and leaves a failed transaction usable again.
func (s *Session) savepointStmt(st ast.Statement) (*Result, error) {
	if !s.explicit || s.tx == nil {
		name := "SAVEPOINT"
		switch st.(type) {
		case *ast.ReleaseSavepoint:
			name = "RELEASE SAVEPOINT"
		case *ast.RollbackTo:
			name = "ROLLBACK TO SAVEPOINT"
		}
		return nil, errs.Errorf(errs.NoActiveSQLTransaction, "%s can only be used in transaction blocks", name)
	}
	find := func(name string) (int, error) {
		for i := len(s.marks) - 1; i >= 0; i-- {
			if s.marks[i].name == name {
				return i, nil
			}
		}
		return 0, errs.Errorf(errs.InvalidSavepoint, "savepoint \"%s\" does not exist", name)
	}
	switch st := st.(type) {
	case *ast.Savepoint:
		s.marks = append(s.marks, s.setMark(st.Name))
		return &Result{Tag: "SAVEPOINT"}, nil
	case *ast.ReleaseSavepoint:
		i, err := find(st.Name)
		if err != nil {
			return nil, err
		}
		for j := len(s.marks) - 1; j >= i; j-- {
			s.releaseMark(s.marks[j])
		}
		s.marks = s.marks[:i]
		return &Result{Tag: "RELEASE"}, nil
	case *ast.RollbackTo:
		i, err := find(st.Name)
		if err != nil {
			return nil, err
		}
		for j := len(s.marks) - 1; j > i; j-- {
			s.releaseMark(s.marks[j])
		}
		s.marks = s.marks[:i+1]
		s.rollbackToMark(s.marks[i])
		s.failed = false
		return &Result{Tag: "ROLLBACK"}, nil
	}
	return nil, errs.New(errs.InternalError, "not a savepoint statement")
}

// conditions maps PL/pgSQL condition names to SQLSTATEs. A code ending in
// 000 names its whole class.
var conditions = map[string]string{
	"raise_exception": "P0001", "no_data_found": "P0002", "too_many_rows": "P0003", "assert_failure": "P0004",
	"plpgsql_error":                  "P0000",
	"integrity_constraint_violation": "23000", "restrict_violation": "23001", "not_null_violation": "23502",
	"foreign_key_violation": "23503", "unique_violation": "23505", "check_violation": "23514",
	"exclusion_violation": "23P01",
	"data_exception":      "22000", "string_data_right_truncation": "22001", "null_value_not_allowed": "22004",
	"numeric_value_out_of_range": "22003", "invalid_datetime_format": "22007", "datetime_field_overflow": "22008",
	"division_by_zero": "22012", "invalid_parameter_value": "22023", "invalid_text_representation": "22P02",
	"transaction_rollback": "40000", "serialization_failure": "40001", "deadlock_detected": "40P01",
	"syntax_error_or_access_rule_violation": "42000", "syntax_error": "42601", "insufficient_privilege": "42501",
	"undefined_table": "42P01", "undefined_column": "42703", "undefined_object": "42704",
	"undefined_function": "42883", "duplicate_table": "42P07", "duplicate_object": "42710",
	"duplicate_column": "42701", "ambiguous_column": "42702", "datatype_mismatch": "42804",
	"wrong_object_type": "42809", "grouping_error": "42803",
	"feature_not_supported": "0A000", "cardinality_violation": "21000",
	"object_not_in_prerequisite_state": "55000", "object_in_use": "55006",
	"program_limit_exceeded": "54000", "statement_too_complex": "54001",
	"invalid_transaction_state": "25000", "in_failed_sql_transaction": "25P02",
	"dependent_objects_still_exist": "2BP01", "internal_error": "XX000",
}

// checkConditions rejects unknown condition names in a block's handlers.
func checkConditions(b *ast.Block) error {
	for _, h := range b.Handlers {
		for _, c := range h.Conds {
			if c == "others" || strings.HasPrefix(c, "sqlstate:") {
				continue
			}
			if _, ok := conditions[c]; !ok {
				return errs.Errorf(errs.UndefinedObject, "unrecognized exception condition \"%s\"", c)
			}
		}
	}
	return nil
}

// errCode is the SQLSTATE of err (XX000 for an error without one).
func errCode(err error) string {
	var e *errs.Error
	if errors.As(err, &e) && len(e.Code) == 5 {
		return e.Code
	}
	return errs.InternalError
}

// handles reports whether a handler's conditions catch code. OTHERS
// catches everything but cancellation, as in PostgreSQL.
func handles(h *ast.ProcHandler, code string) bool {
	for _, c := range h.Conds {
		want, ok := strings.CutPrefix(c, "sqlstate:")
		switch {
		case c == "others":
			if code != errs.QueryCanceled && code != "P0004" {
				return true
			}
			continue
		case !ok:
			want = conditions[c]
		}
		if want == code || (strings.HasSuffix(want, "000") && len(want) == 5 && want[:2] == code[:2]) {
			return true
		}
	}
	return false
}
