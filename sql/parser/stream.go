package parser

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// createChangeStream parses CREATE CHANGE STREAM [IF NOT EXISTS] name ON
// collection|* [WITH (key = value, ...)]; CREATE has been consumed.
func (p *parser) createChangeStream(start token) ast.Statement {
	p.expectKw("change", "stream")
	s := &ast.CreateChangeStream{Pos: start.pos}
	s.IfNotExists = p.ifNotExists()
	s.Name = p.name()
	p.expectKw("on")
	if p.acceptOp("*") {
		s.Collection = "*"
	} else {
		s.Collection = p.name()
	}
	if p.acceptKw("with") {
		s.With = p.uniqueOptions()
	}
	return s
}

// uniqueOptions parses ( key = value, ... ) and rejects a key given twice.
func (p *parser) uniqueOptions() []ast.Option {
	opts := p.options()
	seen := make(map[string]bool, len(opts))
	for _, o := range opts {
		if seen[o.Key] {
			p.throw(errs.Errorf(errs.SyntaxError, "option \"%s\" specified more than once", o.Key).WithPosition(o.Pos))
		}
		seen[o.Key] = true
	}
	return opts
}

// createConsumerGroup parses CREATE CONSUMER GROUP [IF NOT EXISTS] g ON
// stream; CREATE has been consumed.
func (p *parser) createConsumerGroup(start token) ast.Statement {
	p.expectKw("consumer", "group")
	g := &ast.CreateConsumerGroup{Pos: start.pos}
	g.IfNotExists = p.ifNotExists()
	g.Name = p.name()
	p.expectKw("on")
	g.Stream = p.name()
	return g
}

// dropChangeStream parses DROP CHANGE STREAM [IF EXISTS] name.
func (p *parser) dropChangeStream(start token) ast.Statement {
	p.expectKw("change", "stream")
	d := &ast.DropChangeStream{Pos: start.pos}
	d.IfExists = p.ifExists()
	d.Name = p.name()
	return d
}

// dropConsumerGroup parses DROP CONSUMER GROUP [IF EXISTS] g ON stream.
func (p *parser) dropConsumerGroup(start token) ast.Statement {
	p.expectKw("consumer", "group")
	d := &ast.DropConsumerGroup{Pos: start.pos}
	d.IfExists = p.ifExists()
	d.Name = p.name()
	p.expectKw("on")
	d.Stream = p.name()
	return d
}

// commitOffset parses, after COMMIT, OFFSET PARTITION p AT lsn ON stream
// CONSUMER GROUP g and OFFSETS ON stream CONSUMER GROUP g.
func (p *parser) commitOffset(start token) ast.Statement {
	c := &ast.CommitOffset{Pos: start.pos}
	if p.acceptKw("offsets") {
		c.All = true
	} else {
		p.expectKw("offset", "partition")
		c.Partition = p.expr(0)
		p.expectKw("at")
		c.LSN = p.expr(0)
	}
	p.expectKw("on")
	c.Stream = p.name()
	p.expectKw("consumer", "group")
	c.Group = p.name()
	return c
}

// alterConsumerGroup parses, after ALTER, CONSUMER GROUP g ON s SET OFFSET
// TO EARLIEST | LATEST | TIMESTAMP expr | LSN expr [PARTITION expr].
func (p *parser) alterConsumerGroup(start token) ast.Statement {
	p.expectKw("consumer", "group")
	a := &ast.AlterConsumerGroup{Pos: start.pos}
	a.Name = p.name()
	p.expectKw("on")
	a.Stream = p.name()
	p.expectKw("set", "offset", "to")
	switch t := p.peek(); {
	case isKw(t, "earliest"), isKw(t, "latest"):
		p.i++
		a.To = map[string]string{"earliest": "EARLIEST", "latest": "LATEST"}[t.val]
	case isKw(t, "timestamp"):
		p.i++
		a.To = "TIMESTAMP"
		a.Value = p.expr(0)
	case isKw(t, "lsn"):
		p.i++
		a.To = "LSN"
		a.Value = p.expr(0)
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected EARLIEST, LATEST, TIMESTAMP or LSN."))
	}
	if p.acceptKw("partition") {
		a.Partition = p.expr(0)
	}
	return a
}

// showStreamInfo parses, after SHOW, CHANGE STREAMS, CONSUMER GROUPS ON s and
// PARTITIONS ON s [CONSUMER GROUP g].
func (p *parser) showStreamInfo(start token) ast.Statement {
	s := &ast.ShowStreamInfo{Pos: start.pos}
	switch {
	case p.isKw("change"):
		p.expectKw("change", "streams")
		s.What = "streams"
	case p.isKw("consumer"):
		p.expectKw("consumer", "groups", "on")
		s.What = "groups"
		s.Stream = p.name()
	default:
		p.expectKw("partitions", "on")
		s.What = "partitions"
		s.Stream = p.name()
		if p.acceptKws("consumer", "group") {
			s.Group = p.name()
		}
	}
	return s
}

// alterChangeStream parses, after ALTER, CHANGE STREAM s SET (k = v, ...) |
// PAUSE | RESUME.
func (p *parser) alterChangeStream(start token) ast.Statement {
	p.expectKw("change", "stream")
	a := &ast.AlterChangeStream{Pos: start.pos, Name: p.name()}
	switch t := p.peek(); {
	case isKw(t, "set"):
		p.i++
		a.Action = "set"
		a.Set = p.uniqueOptions()
	case isKw(t, "pause"), isKw(t, "resume"):
		p.i++
		a.Action = t.val
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected SET (...), PAUSE or RESUME."))
	}
	return a
}

// deadLetters parses SHOW | REPLAY | PURGE DEAD LETTERS FOR [CHANGE] STREAM s;
// the first keyword has been consumed.
func (p *parser) deadLetters(start token, action string) ast.Statement {
	p.expectKw("dead", "letters", "for")
	p.acceptKw("change")
	p.expectKw("stream")
	return &ast.DeadLetters{Pos: start.pos, Action: action, Stream: p.name()}
}
