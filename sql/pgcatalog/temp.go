package pgcatalog

import (
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Temporary tables show in pg_class and the relations about tables and
// indexes (pg_attribute, pg_index, pg_constraint, pg_attrdef, pg_tables,
// pg_indexes) as PostgreSQL shows them: every session's, each in its
// session's pg_temp_N schema (a pg_namespace row while it has tables,
// with its pg_toast_temp_N twin), relpersistence 't'. Which ones a bare
// name finds (pg_table_is_visible, regclass) depends on the session:
// see ForSession. The information_schema views list permanent tables
// only.

// Temporary namespace OIDs: pg_temp_N is tempNSBase|N, pg_toast_temp_N
// tempToastNSBase|N (above every relation OID, below pkIndexBase).
const (
	tempNSBase      = 0x30000000
	tempToastNSBase = 0x38000000
)

// TempNamespaceOID is the OID of namespace pg_temp_<ns>.
func TempNamespaceOID(ns uint32) int64 { return tempNSBase | int64(ns) }

func tempToastNamespaceOID(ns uint32) int64 { return tempToastNSBase | int64(ns) }

// nsOf is the OID of a collection's namespace.
func nsOf(c *catalog.Collection) int64 {
	if c.Temp() {
		return TempNamespaceOID(c.TempNS)
	}
	return nsPublic
}

// schemaOf is the name of a collection's schema.
func schemaOf(c *catalog.Collection) string {
	if c.Temp() {
		return catalog.TempSchemaName(c.TempNS)
	}
	return "public"
}

// rels lists the live collections pg_catalog shows: the permanent ones
// by name, then every session's temporary tables.
func (t *Tables) rels() []*catalog.Collection {
	out := t.cat.List()
	if t.cat.HasTemps() {
		out = append(out, t.cat.Temps(0)...)
	}
	return out
}

// ForSession returns the catalog functions (regclass, pg_table_is_visible,
// pg_my_temp_schema) as the session holding temporary namespace ns sees
// them: its temporary tables by their bare names, before permanent ones
// of the same name (then shown qualified, public.t), other sessions'
// qualified (pg_temp_N.t).
func (t *Tables) ForSession(ns uint32) funcs.CatalogInfo {
	return &sessionTables{Tables: t, scope: t.cat.Scope(ns)}
}

// IsTempNamespace reports whether oid is a temporary schema's
// (funcs.TempSchemas).
func (t *Tables) IsTempNamespace(oid int64) bool {
	return oid&^0xffffff == tempNSBase || oid&^0xffffff == tempToastNSBase
}

// TempNamespace is pg_my_temp_schema(): 0 for a session without one.
func (t *Tables) TempNamespace() int64 { return 0 }

type sessionTables struct {
	*Tables
	scope *catalog.Scope
}

// TempNamespace is pg_my_temp_schema() (funcs.TempSchemas).
func (s *sessionTables) TempNamespace() int64 {
	if s.scope.NS == 0 {
		return 0
	}
	return TempNamespaceOID(s.scope.NS)
}

// ResolveRelation implements funcs.CatalogInfo: the session's temporary
// tables (and their indexes) first.
func (s *sessionTables) ResolveRelation(name string) (int64, bool) {
	schema, n := types.SplitQualified(name)
	if schema == "" || schema == "pg_temp" || schema == s.scope.Schema() {
		if c, ok := s.scope.GetTemp(n); ok {
			return RelOID(c.ID), true
		}
		if _, ix, ok := s.scope.FindIndex("pg_temp." + n); ok {
			return RelOID(ix.ID), true
		}
		if base, ok := strings.CutSuffix(n, "_pkey"); ok {
			if c, ok := s.scope.GetTemp(base); ok && hasPK(c) {
				return PKIndexOID(c.ID), true
			}
		}
		if schema != "" {
			return 0, false
		}
	}
	if schema == "" || schema == "public" {
		return s.Tables.ResolveRelation(n)
	}
	return s.Tables.ResolveRelation(name)
}

// RelationName implements funcs.CatalogInfo: a relation a bare name
// does not find is qualified with its schema.
func (s *sessionTables) RelationName(oid int64) (string, bool) {
	r, isRel := s.relByOID(oid)
	if isRel && r.coll.Temp() && r.coll.TempNS == s.scope.NS {
		return quoteIdent(r.name()), true
	}
	name, ok := s.Tables.RelationName(oid)
	if !ok || !isRel || r.coll.Temp() {
		return name, ok
	}
	if r.index == nil && !r.pkey {
		if _, shadowed := s.scope.GetTemp(r.coll.Name); shadowed {
			return "public." + name, true
		}
	}
	return name, true
}
