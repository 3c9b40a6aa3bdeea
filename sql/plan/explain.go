package plan

import (
	"fmt"
	"strings"
)

// Explain renders a plan as indented lines, one operator per line.
func Explain(n Node) []string {
	var out []string
	explain(n, 0, &out)
	return out
}

func explain(n Node, depth int, out *[]string) {
	pad := strings.Repeat("  ", depth)
	if depth > 0 {
		pad += "-> "
	}
	add := func(format string, args ...any) { *out = append(*out, pad+fmt.Sprintf(format, args...)) }
	switch x := n.(type) {
	case *Scan:
		switch x.Access {
		case AccessPK:
			add("Point Get on %s (primary key, %d lookup(s))", x.Coll.Name, len(x.PKKeys))
		case AccessIndex:
			add("Index Scan using %s on %s (eq=%d, range=%v)", x.Index.Name, x.Coll.Name, len(x.IndexEq), x.RangeLo != nil || x.RangeHi != nil)
		default:
			add("Seq Scan on %s", x.Coll.Name)
		}
		if x.Filter != nil {
			*out = append(*out, strings.Repeat("  ", depth+1)+"Filter: yes")
		}
	case *Filter:
		add("Filter")
		explain(x.Input, depth+1, out)
	case *Project:
		add("Project (%d columns)", len(x.Exprs))
		explain(x.Input, depth+1, out)
	case *Aggregate:
		if len(x.GroupBy) > 0 {
			add("HashAggregate (%d keys, %d aggregates)", len(x.GroupBy), len(x.Aggs))
		} else {
			add("Aggregate (%d aggregates)", len(x.Aggs))
		}
		explain(x.Input, depth+1, out)
	case *Window:
		add("WindowAgg (%d functions)", len(x.Funcs))
		explain(x.Input, depth+1, out)
	case *Sort:
		add("Sort (%d keys)", len(x.Keys))
		explain(x.Input, depth+1, out)
	case *Limit:
		add("Limit")
		explain(x.Input, depth+1, out)
	case *Distinct:
		add("Distinct")
		explain(x.Input, depth+1, out)
	case *Trim:
		explain(x.Input, depth, out)
	case *Values:
		add("Values (%d rows)", len(x.Rows))
	case *Join:
		kind := "Nested Loop"
		if len(x.EqLeft) > 0 {
			kind = "Hash Join"
		}
		add("%s (%s)", kind, x.Kind)
		explain(x.Left, depth+1, out)
		explain(x.Right, depth+1, out)
	case *SetOp:
		all := ""
		if x.All {
			all = " ALL"
		}
		add("%s%s", x.Op, all)
		explain(x.Left, depth+1, out)
		explain(x.Right, depth+1, out)
	case *SystemScan:
		add("System Scan on %s", x.Name)
	case *FuncScan:
		add("Function Scan on %s", x.Name)
	case *CTEScan:
		add("CTE Scan on %s", x.Def.Name)
		explain(x.Def.Plan, depth+1, out)
	case *RecursiveCTE:
		add("Recursive Union (%s)", x.Work.Name)
		explain(x.Base, depth+1, out)
		explain(x.Step, depth+1, out)
	case *WorkTableScan:
		add("WorkTable Scan on %s", x.Work.Name)
	case *StreamScan:
		add("Stream Read on %s (group %s)", x.Stream.Name, x.Group.Name)
	case *Insert:
		add("Insert on %s", x.Coll.Name)
		explain(x.Source, depth+1, out)
	case *Update:
		add("Update on %s", x.Coll.Name)
		explain(x.Scan, depth+1, out)
	case *Delete:
		add("Delete on %s", x.Coll.Name)
		explain(x.Scan, depth+1, out)
	default:
		add("%T", n)
	}
}
