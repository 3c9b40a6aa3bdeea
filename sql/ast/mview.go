package ast

// CreateMaterializedView is CREATE MATERIALIZED VIEW [IF NOT EXISTS] name
// [STREAMING] AS query. Query is the query's source text.
type CreateMaterializedView struct {
	Pos         int
	Name        string
	IfNotExists bool
	Streaming   bool
	Query       string
	Select      *Select
}

// DropMaterializedView is DROP MATERIALIZED VIEW [IF EXISTS] name.
type DropMaterializedView struct {
	Pos      int
	Name     string
	IfExists bool
}

// RefreshMaterializedView is REFRESH MATERIALIZED VIEW name.
type RefreshMaterializedView struct {
	Pos  int
	Name string
}

func (*CreateMaterializedView) stmt()  {}
func (*DropMaterializedView) stmt()    {}
func (*RefreshMaterializedView) stmt() {}
