package parser

import "github.com/nodedb-go/nodedb/sql/ast"

// createSchedule parses, after CREATE, SCHEDULE [IF NOT EXISTS] name CRON
// 'expr' [WITH (...)] AS BEGIN ... END | AS $$ ... $$.
func (p *parser) createSchedule(start token) ast.Statement {
	p.expectKw("schedule")
	c := &ast.CreateSchedule{Pos: start.pos}
	c.IfNotExists = p.ifNotExists()
	c.Name = p.name()
	p.expectKw("cron")
	c.Cron = p.stringLit("CRON needs a quoted cron expression such as '0 2 * * *'.")
	if p.acceptKw("with") {
		c.With = p.uniqueOptions()
	}
	p.expectKw("as")
	c.Body, c.Block = p.procBody()
	return c
}

// stringLit reads a string literal or fails with hint.
func (p *parser) stringLit(hint string) string {
	t := p.next()
	if t.kind != tString {
		p.throw(p.syntaxErr(t).WithHint(hint))
	}
	return t.val
}

// alterSchedule parses, after ALTER, SCHEDULE name ENABLE | DISABLE | SET
// CRON 'expr'.
func (p *parser) alterSchedule(start token) ast.Statement {
	p.expectKw("schedule")
	a := &ast.AlterSchedule{Pos: start.pos, Name: p.name()}
	switch t := p.next(); {
	case isKw(t, "enable"):
		a.Action = "enable"
	case isKw(t, "disable"):
		a.Action = "disable"
	case isKw(t, "set"):
		p.expectKw("cron")
		a.Action = "cron"
		a.Cron = p.stringLit("SET CRON needs a quoted cron expression.")
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected ENABLE, DISABLE or SET CRON."))
	}
	return a
}

// dropSchedule parses, after DROP, SCHEDULE [IF EXISTS] name.
func (p *parser) dropSchedule(start token) ast.Statement {
	p.expectKw("schedule")
	d := &ast.DropSchedule{Pos: start.pos}
	d.IfExists = p.ifExists()
	d.Name = p.name()
	return d
}

// showSchedules parses, after SHOW, SCHEDULES and SCHEDULE HISTORY name.
func (p *parser) showSchedules(start token) ast.Statement {
	if p.acceptKw("schedules") {
		return &ast.ShowSchedules{Pos: start.pos}
	}
	p.expectKw("schedule", "history")
	return &ast.ShowSchedules{Pos: start.pos, History: p.name()}
}
