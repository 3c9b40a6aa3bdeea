package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nodedb-go/nodedb/errs"
)

// render prints tokens compactly: KIND(val)@pos.
func render(toks []token) string {
	var parts []string
	for _, t := range toks {
		switch t.kind {
		case tEOF:
			parts = append(parts, fmt.Sprintf("EOF@%d", t.pos))
		case tIdent:
			q := ""
			if t.quoted {
				q = "q"
			}
			parts = append(parts, fmt.Sprintf("IDENT%s(%s)@%d", q, t.val, t.pos))
		case tInt:
			parts = append(parts, fmt.Sprintf("INT(%d)@%d", t.ival, t.pos))
		case tParam:
			parts = append(parts, fmt.Sprintf("PARAM(%d)@%d", t.ival, t.pos))
		default:
			parts = append(parts, fmt.Sprintf("%s(%s)@%d", t.kind, t.val, t.pos))
		}
	}
	return strings.Join(parts, " ")
}

func TestLexer(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "EOF@1"},
		{"  -- only a comment", "EOF@20"},
		{"SELECT Foo", "IDENT(select)@1 IDENT(foo)@8 EOF@11"},
		{`"Foo""Bar"`, `IDENTq(Foo"Bar)@1 EOF@11`},
		{"a$b _x1", "IDENT(a$b)@1 IDENT(_x1)@5 EOF@8"},
		{"'it''s'", "STRING(it's)@1 EOF@8"},
		{`E'a\nb\x41\101\'c'`, "STRING(a\nbAA'c)@1 EOF@19"},
		{`e'\u00e9'`, "STRING(é)@1 EOF@10"},
		{"$$a'b$$", "STRING(a'b)@1 EOF@8"},
		{"$fn$ x $$ y $fn$", "STRING( x $$ y )@1 EOF@17"},
		{"$1 $23", "PARAM(1)@1 PARAM(23)@4 EOF@7"},
		{"42 9223372036854775807", "INT(42)@1 INT(9223372036854775807)@4 EOF@23"},
		{"9223372036854775808", "NUMBER(9223372036854775808)@1 EOF@20"},
		{"1.5 .5 1e10 2.5E-3 3.", "NUMBER(1.5)@1 NUMBER(.5)@5 NUMBER(1e10)@8 NUMBER(2.5E-3)@13 NUMBER(3.)@20 EOF@22"},
		{"a::int", "IDENT(a)@1 OP(::)@2 IDENT(int)@4 EOF@7"},
		{"x->>'k' -> @> <@ || <> != <= >= ~ !~ ~* !~*", "IDENT(x)@1 OP(->>)@2 STRING(k)@5 OP(->)@9 OP(@>)@12 OP(<@)@15 OP(||)@18 OP(<>)@21 OP(!=)@24 OP(<=)@27 OP(>=)@30 OP(~)@33 OP(!~)@35 OP(~*)@38 OP(!~*)@41 EOF@44"},
		{"a=>1", "IDENT(a)@1 OP(=>)@2 INT(1)@4 EOF@5"},
		{"{a: [1]}", "OP({)@1 IDENT(a)@2 OP(:)@3 OP([)@5 INT(1)@6 OP(])@7 OP(})@8 EOF@9"},
		{"/* a /* nested */ b */ 1", "INT(1)@24 EOF@25"},
		{"1--c\n2", "INT(1)@1 INT(2)@6 EOF@7"},
		{"a.b", "IDENT(a)@1 OP(.)@2 IDENT(b)@3 EOF@4"},
		{"t.* ;", "IDENT(t)@1 OP(.)@2 OP(*)@3 OP(;)@5 EOF@6"},
		{"Étoile", "IDENT(Étoile)@1 EOF@8"}, // only ASCII folds, as in PostgreSQL,
	} {
		toks, err := lex(tc.in)
		if err != nil {
			t.Errorf("lex(%q): %v", tc.in, err)
			continue
		}
		if got := render(toks); got != tc.want {
			t.Errorf("lex(%q)\n got: %s\nwant: %s", tc.in, got, tc.want)
		}
	}
}

func TestLexerErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string
		pos  int
		msg  string
	}{
		{"SELECT 'abc", errs.SyntaxError, 8, `unterminated quoted string at or near "'abc"`},
		{`SELECT "abc`, errs.SyntaxError, 8, `unterminated quoted identifier at or near ""abc"`},
		{`SELECT ""`, errs.SyntaxError, 8, `zero-length delimited identifier at or near """"`},
		{"SELECT /* x", errs.SyntaxError, 8, `unterminated /* comment at or near "/* x"`},
		{"SELECT $$x", errs.SyntaxError, 8, `unterminated dollar-quoted string at or near "$$x"`},
		{"SELECT 12abc", errs.SyntaxError, 8, `trailing junk after numeric literal at or near "12abc"`},
		{"SELECT $0", "42P02", 8, `there is no parameter $0`},
		{`SELECT E'\xff'`, "22021", 8, `invalid byte sequence for encoding "UTF8"`},
		{`SELECT E'\u12'`, "22025", 8, `invalid Unicode escape`},
		{"SELECT 1 ` 2", errs.SyntaxError, 10, "syntax error at or near \"`\""},
		{"SELECT E'abc\\", errs.SyntaxError, 8, `unterminated quoted string at or near "E'abc\"`},
	} {
		_, err := lex(tc.in)
		e, ok := errs.As(err)
		if !ok {
			t.Errorf("lex(%q): want error, got %v", tc.in, err)
			continue
		}
		if e.Code != tc.code || e.Position != tc.pos || e.Message != tc.msg {
			t.Errorf("lex(%q): got %s at %d: %s; want %s at %d: %s", tc.in, e.Code, e.Position, e.Message, tc.code, tc.pos, tc.msg)
		}
	}
}

func TestFoldIdent(t *testing.T) {
	for in, want := range map[string]string{
		"select": "select", "SELECT": "select", "Insert": "insert", "ON": "on",
		"MyTable": "mytable", "users_2": "users_2", "ÀB": "Àb",
		"VERY_LONG_IDENTIFIER_NAME": "very_long_identifier_name", "NOTAKEYWORD": "notakeyword",
	} {
		if got := foldIdent(in); got != want {
			t.Errorf("foldIdent(%q) = %q, want %q", in, got, want)
		}
	}
}
