package ast

// The procedural language of trigger bodies, schedules and procedures.
// Expressions and SQL statements are kept as source text: they are
// evaluated by substituting variables (as literals) and running them
// through the normal SQL path.

// Block is DECLARE ... BEGIN ... [EXCEPTION WHEN ... THEN ...] END:
// declarations, statements, and the handlers that catch an error the
// statements raise (the block's changes are rolled back first).
type Block struct {
	Decls    []ProcDecl
	Body     []ProcStmt
	Handlers []ProcHandler
}

// ProcHandler is WHEN cond [OR cond ...] THEN stmts. A condition is a
// lower-case condition name (unique_violation, others, ...) or
// "sqlstate:" followed by a five-character code.
type ProcHandler struct {
	Pos   int
	Conds []string
	Body  []ProcStmt
}

// ProcDecl declares a variable: name type [:= default].
type ProcDecl struct {
	Pos     int
	Name    string
	Type    string // SQL type name, as written
	Default string // expression source, or ""
}

// ProcStmt is one statement of a block.
type ProcStmt interface{ procStmt() }

// ProcSQL is an SQL statement; Into names the variables SELECT ... INTO
// fills (the text has the INTO clause removed).
type ProcSQL struct {
	Pos  int
	SQL  string
	Into []string
}

// ProcAssign is name := expr, or rec.field := expr (Field set).
type ProcAssign struct {
	Pos   int
	Name  string
	Field string
	Expr  string
}

// ProcIf is IF c THEN ... [ELSIF c THEN ...] [ELSE ...] END IF.
type ProcIf struct {
	Pos   int
	Conds []string
	Then  [][]ProcStmt
	Else  []ProcStmt
}

// ProcLoop is [WHILE cond] LOOP ... END LOOP.
type ProcLoop struct {
	Pos  int
	Cond string // "" for LOOP
	Body []ProcStmt
}

// ProcForRange is FOR v IN [REVERSE] lo..hi LOOP ... END LOOP.
type ProcForRange struct {
	Pos     int
	Var     string
	Lo, Hi  string
	Reverse bool
	Body    []ProcStmt
}

// ProcForQuery is FOR rec IN SELECT ... LOOP ... END LOOP.
type ProcForQuery struct {
	Pos   int
	Var   string
	Query string
	Body  []ProcStmt
}

// ProcExit is EXIT [WHEN c] (Continue: CONTINUE [WHEN c]).
type ProcExit struct {
	Pos      int
	Continue bool
	When     string
}

// ProcRaise is RAISE level 'format' [, args] [USING ERRCODE = 'code'].
type ProcRaise struct {
	Pos    int
	Level  string // EXCEPTION, WARNING, NOTICE, INFO, LOG, DEBUG
	Format string
	Args   []string
	Code   string
	// Reraise is a bare RAISE; inside an exception handler.
	Reraise bool
}

// ProcReturn is RETURN [expr].
type ProcReturn struct {
	Pos  int
	Expr string
}

// ProcDeclare is DECLARE inside a block's statements: the variables
// belong to the enclosing block from there on.
type ProcDeclare struct {
	Pos   int
	Decls []ProcDecl
}

// ProcBlock is a nested [DECLARE ...] BEGIN ... END.
type ProcBlock struct {
	Pos   int
	Block *Block
}

func (*ProcSQL) procStmt()      {}
func (*ProcAssign) procStmt()   {}
func (*ProcIf) procStmt()       {}
func (*ProcLoop) procStmt()     {}
func (*ProcForRange) procStmt() {}
func (*ProcForQuery) procStmt() {}
func (*ProcExit) procStmt()     {}
func (*ProcRaise) procStmt()    {}
func (*ProcReturn) procStmt()   {}
func (*ProcBlock) procStmt()    {}
func (*ProcDeclare) procStmt()  {}

// Do is DO [LANGUAGE name] body: a procedural block run once.
type Do struct {
	Pos   int
	Body  string
	Block *Block
}

func (*Do) stmt() {}

// ProcParam is a procedure parameter: name type.
type ProcParam struct {
	Name string
	Type string
}

// CreateProcedure is CREATE [OR REPLACE] PROCEDURE name(params) [WITH
// (TIMEOUT = '5s', MAX_ITERATIONS = n)] [SECURITY DEFINER] body.
type CreateProcedure struct {
	Pos       int
	Name      string
	OrReplace bool
	Params    []ProcParam
	With      []Option
	Definer   bool
	Body      string
	Block     *Block
}

// DropProcedure is DROP PROCEDURE [IF EXISTS] name.
type DropProcedure struct {
	Pos      int
	Name     string
	IfExists bool
}

// Call is CALL name(args); Args are expression sources.
type Call struct {
	Pos  int
	Name string
	Args []string
}

func (*CreateProcedure) stmt() {}
func (*DropProcedure) stmt()   {}
func (*Call) stmt()            {}

// CreateFunction is CREATE [OR REPLACE] FUNCTION name(params) RETURNS type
// [LANGUAGE x] [IMMUTABLE | STABLE | VOLATILE | STRICT ...] AS 'body'.
type CreateFunction struct {
	Pos       int
	Name      string
	OrReplace bool
	Params    []ProcParam
	Returns   string
	Body      string
}

// DropFunction is DROP FUNCTION [IF EXISTS] name [(types)].
type DropFunction struct {
	Pos      int
	Name     string
	IfExists bool
}

func (*CreateFunction) stmt() {}
func (*DropFunction) stmt()   {}
