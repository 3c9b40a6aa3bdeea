package plan

import (
	"fmt"
	"strings"
)

// Explain renders a plan as indented lines, one operator per line, each
// with the planner's estimate of its rows (see Estimate).
func Explain(n Node) []string { return ExplainAnnotated(n, nil) }

// ExplainAnnotated is Explain with a suffix per operator (EXPLAIN ANALYZE
// figures); note may be nil.
func ExplainAnnotated(n Node, note func(Node) string) []string {
	e := &explainer{note: note}
	e.explain(n, 0)
	return e.out
}

type explainer struct {
	out  []string
	note func(Node) string
}

func (e *explainer) explain(n Node, depth int) {
	pad := strings.Repeat("  ", depth)
	if depth > 0 {
		pad += "-> "
	}
	note := ""
	if e.note != nil {
		note = e.note(n)
	}
	first := true
	add := func(format string, args ...any) {
		line := pad + fmt.Sprintf(format, args...)
		if first {
			line += fmt.Sprintf(" (rows=%.0f)", Estimate(n)) + note
			first = false
		}
		e.out = append(e.out, line)
	}
	switch x := n.(type) {
	case *Scan:
		switch x.Access {
		case AccessPK:
			add("Point Get on %s (primary key, %d lookup(s))", x.Coll.Name, len(x.PKKeys))
		case AccessLookup:
			add("Key Lookup on %s", x.Coll.Name)
		case AccessPKPrefix:
			add("Key Range Scan on %s (primary key prefix, %d column(s))", x.Coll.Name, len(x.PKKeys[0]))
		case AccessIndex:
			add("Index Scan%s using %s on %s (eq=%d, range=%v)", map[int8]string{1: " in order", -1: " Backward"}[x.Order], x.Index.Name, x.Coll.Name, len(x.IndexEq), x.RangeLo != nil || x.RangeHi != nil)
		default:
			if x.Order != 0 {
				add("Key Scan%s on %s (primary key order, vShards merged)", map[int8]string{1: " in order", -1: " Backward"}[x.Order], x.Coll.Name)
			} else if x.Cached {
				add("Seq Scan on %s (column copy)", x.Coll.Name)
			} else {
				add("Seq Scan on %s", x.Coll.Name)
			}
		}
		if x.Filter != nil {
			e.out = append(e.out, strings.Repeat("  ", depth+1)+"Filter: yes")
		}
	case *Filter:
		add("Filter")
		e.explain(x.Input, depth+1)
	case *Project:
		add("Project (%d columns)", len(x.Exprs))
		e.explain(x.Input, depth+1)
	case *ProjectSet:
		names := make([]string, len(x.Funcs))
		for i, f := range x.Funcs {
			names[i] = f.Name
		}
		add("ProjectSet (%s)", strings.Join(names, ", "))
		e.explain(x.Input, depth+1)
	case *Aggregate:
		if len(x.GroupBy) > 0 {
			add("HashAggregate (%d keys, %d aggregates)", len(x.GroupBy), len(x.Aggs))
		} else {
			add("Aggregate (%d aggregates)", len(x.Aggs))
		}
		e.explain(x.Input, depth+1)
	case *Window:
		add("WindowAgg (%d functions)", len(x.Funcs))
		e.explain(x.Input, depth+1)
	case *Sort:
		add("Sort (%d keys)", len(x.Keys))
		e.explain(x.Input, depth+1)
	case *Limit:
		add("Limit")
		e.explain(x.Input, depth+1)
	case *LockRows:
		add("LockRows (%d tables)", len(x.Targets))
		e.explain(x.Input, depth+1)
	case *Distinct:
		add("Distinct")
		e.explain(x.Input, depth+1)
	case *Trim:
		e.explain(x.Input, depth)
	case *Values:
		add("Values (%d rows)", len(x.Rows))
	case *Join:
		kind := "Nested Loop"
		switch {
		case len(x.LookupKeys) > 0:
			kind = "Lookup Join"
			if s, ok := x.Right.(*Scan); ok && len(x.LookupKeys) < len(s.Coll.PK) {
				kind += fmt.Sprintf(" by key prefix (%d column(s))", len(x.LookupKeys))
			} else {
				kind += " by primary key"
			}
		case len(x.EqLeft) > 0:
			kind = "Hash Join"
		}
		add("%s (%s)", kind, x.Kind)
		e.explain(x.Left, depth+1)
		e.explain(x.Right, depth+1)
	case *Apply:
		kind := "INNER"
		if x.Outer {
			kind = "LEFT"
		}
		add("Nested Loop (%s, LATERAL)", kind)
		e.explain(x.Left, depth+1)
		e.explain(x.Right, depth+1)
	case *SetOp:
		all := ""
		if x.All {
			all = " ALL"
		}
		add("%s%s", x.Op, all)
		e.explain(x.Left, depth+1)
		e.explain(x.Right, depth+1)
	case *SystemScan:
		add("System Scan on %s", x.Name)
	case *SequenceScan:
		add("Seq Scan on %s", x.Seq.Name)
	case *FuncScan:
		if x.Index != nil {
			add("Sorted Index Scan (%s) on %s", x.Name, x.Index.Name)
			break
		}
		add("Function Scan on %s", x.Name)
	case *CTEScan:
		add("CTE Scan on %s", x.Def.Name)
		if !x.Def.Writes { // shown once, where it runs
			e.explain(x.Def.Plan, depth+1)
		}
	case *RecursiveCTE:
		add("Recursive Union (%s)", x.Work.Name)
		e.explain(x.Base, depth+1)
		e.explain(x.Step, depth+1)
	case *WorkTableScan:
		add("WorkTable Scan on %s", x.Work.Name)
	case *StreamScan:
		if x.After != nil {
			add("Stream Read on %s (group %s, after an LSN)", x.Stream.Name, x.Group.Name)
		} else {
			add("Stream Read on %s (group %s)", x.Stream.Name, x.Group.Name)
		}
	case *Insert:
		add("Insert on %s", x.Coll.Name)
		e.writeQueries(x.Writes, depth+1)
		e.explain(x.Source, depth+1)
	case *Update:
		add("Update on %s", x.Coll.Name)
		e.writeQueries(x.Writes, depth+1)
		e.explain(x.Scan, depth+1)
	case *Delete:
		add("Delete on %s", x.Coll.Name)
		e.writeQueries(x.Writes, depth+1)
		e.explain(x.Scan, depth+1)
	case *WithWrites:
		e.writeQueries(x.Writes, depth)
		e.explain(x.Input, depth)
	default:
		add("%T", n)
	}
}

// writeQueries shows the data-modifying WITH queries a statement runs
// first, as PostgreSQL's "CTE name" subplans.
func (e *explainer) writeQueries(defs []*CTEDef, depth int) {
	for _, d := range defs {
		e.out = append(e.out, strings.Repeat("  ", depth)+"CTE "+d.Name)
		e.explain(d.Plan, depth+1)
	}
}
