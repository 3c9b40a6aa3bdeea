package exec

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// DDL executes catalog statements. Each runs in its own transaction under
// the catalog's DDL lock, even inside an explicit transaction block.
type DDL struct {
	// Cat resolves names as the session running the statement sees them
	// (its temporary tables first).
	Cat *catalog.Scope
	Env func(tx *txn.Txn) *Env // builds an Env for backfills
}

// CreateCollection executes CREATE COLLECTION / CREATE TABLE. It returns
// false when IF NOT EXISTS skipped an existing collection.
func (d *DDL) CreateCollection(st *ast.CreateCollection) (bool, error) {
	if st.Temp && (st.Kind != ast.KindStrict || d.Cat.NS == 0) {
		return false, errs.New(errs.FeatureNotSupported, "only tables (CREATE TEMP TABLE) can be temporary, in a session")
	}
	if err := catalog.ValidateName(st.Name); err != nil {
		return false, err
	}
	if strings.HasPrefix(st.Name, catalog.TopicPrefix) {
		return false, errs.Errorf(errs.ReservedName, "name %q is reserved (the %s prefix belongs to topics)", st.Name, catalog.TopicPrefix)
	}
	var defaultTTL time.Duration
	switch st.Kind {
	case ast.KindSchemaless, ast.KindStrict:
	case ast.KindKeyValue:
		var err error
		if defaultTTL, err = kvOptions(st); err != nil {
			return false, err
		}
		st.With = nil
	default:
		return false, errs.Errorf(errs.FeatureNotSupported, "%s collections are not supported yet", strings.ToUpper(string(st.Kind))).
			WithHint("Create a document collection (schemaless or STRICT) instead.")
	}
	for _, o := range st.With {
		return false, errs.Errorf(errs.SyntaxError, "unknown collection option %q", o.Key).WithPosition(o.Pos)
	}
	created := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		var exists bool
		if st.Temp {
			// Its name is its namespace's: only the session's other
			// temporary tables can be in the way.
			_, exists = d.Cat.GetTemp(st.Name)
		} else {
			_, isView := d.Cat.View(st.Name)
			_, isSeq := d.Cat.Sequence(st.Name)
			_, isColl := d.Cat.Catalog.Get(st.Name)
			exists = isColl || isView || isSeq
		}
		if exists {
			if st.IfNotExists {
				created = false
				return nil
			}
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name).WithPosition(st.Pos)
		}
		col := &catalog.Collection{ID: tx.NewID(), Name: st.Name, Created: time.Now().UTC()}
		if st.Temp {
			col.TempNS = d.Cat.NS
		}
		if st.Kind == ast.KindSchemaless {
			col.Kind = catalog.Schemaless
			col.PK = []string{"id"}
			if len(st.Columns) > 0 {
				return errs.New(errs.FeatureNotSupported, "a schemaless collection takes no column list").
					WithHint("Use TYPE DOCUMENT STRICT (...) or CREATE TABLE for typed columns.")
			}
			tx.Put(col)
			return nil
		}
		col.Kind = catalog.Strict
		if len(st.Likes) > 0 {
			// Expand into a copy: the statement may run again (prepared).
			cp := *st
			cp.Columns, cp.Checks = slices.Clone(st.Columns), slices.Clone(st.Checks)
			cp.Uniques, cp.UniqueNames = slices.Clone(st.Uniques), slices.Clone(st.UniqueNames)
			cp.PrimaryKey, cp.Indexes = slices.Clone(st.PrimaryKey), nil
			if err := d.expandLikes(&cp); err != nil {
				return err
			}
			st = &cp
		}
		if st.Kind == ast.KindKeyValue {
			col.Kind = catalog.KeyValue
			col.DefaultTTLMs = defaultTTL.Milliseconds()
			if len(st.Columns) == 0 {
				st.Columns = []ast.ColumnDef{
					{Name: kv.KeyColumn, Type: types.Text, PrimaryKey: true},
					{Name: kv.ValueColumn, Type: types.Text},
				}
			}
		}
		pk := append([]string(nil), st.PrimaryKey...)
		seen := map[string]bool{}
		type owned struct {
			col  int
			opts ast.SeqOptions
		}
		var seqCols []owned
		for _, cd := range st.Columns {
			if seen[cd.Name] {
				return errs.Errorf(errs.DuplicateColumn, "column %q specified more than once", cd.Name).WithPosition(cd.Pos)
			}
			seen[cd.Name] = true
			t, mod, err := d.columnType(cd.Name, cd.Type, cd.TypeName, cd.TypeMod, cd.Array)
			if err != nil {
				return err
			}
			c := catalog.Column{Name: cd.Name, Type: t, TypeMod: mod, NotNull: cd.NotNull, Comment: cd.Comment}
			if t, serial := serialType(cd.TypeName); (serial && !cd.Array) || cd.Identity != "" {
				if serial {
					c.Type = t
				}
				if !c.Type.IsInteger() || cd.Array {
					return errs.Errorf(errs.InvalidParameterValue, "identity column type must be smallint, integer, or bigint").WithPosition(cd.Pos)
				}
				if cd.Default != nil {
					return errs.Errorf(errs.SyntaxError, "both default and identity specified for column %q of table %q", cd.Name, st.Name).WithPosition(cd.Pos)
				}
				switch cd.Identity {
				case "ALWAYS":
					c.Identity = "a"
				case "BY DEFAULT":
					c.Identity = "d"
				}
				seqCols = append(seqCols, owned{col: len(col.Columns), opts: cd.IdentityOpt})
			}
			if cd.PrimaryKey && !contains(pk, cd.Name) {
				pk = append(pk, cd.Name)
			}
			col.Columns = append(col.Columns, c)
		}
		if len(col.Columns) == 0 {
			return errs.New(errs.SyntaxError, "a strict collection needs at least one column")
		}
		if err := d.addChecks(col, st); err != nil {
			return err
		}
		taken := map[string]bool{}
		for _, o := range seqCols {
			if _, err := d.ownedSequence(tx, col, &col.Columns[o.col], o.opts, taken); err != nil {
				return err
			}
		}
		// Defaults once the serial columns' sequences exist (PostgreSQL
		// creates those first, so a default may name one).
		for i, cd := range st.Columns {
			if cd.Default == nil {
				continue
			}
			def, err := d.resolveDefault(cd.Default, col.Columns[i].Type, taken)
			if err != nil {
				return err
			}
			col.Columns[i].Default = defaultText(def)
		}
		for _, name := range pk {
			i := col.ColumnIndex(name)
			if i < 0 {
				return errs.Errorf(errs.UndefinedColumn, "column %q named in key does not exist", name)
			}
			col.Columns[i].NotNull = true
		}
		if col.Kind == catalog.KeyValue {
			if err := kvColumns(tx, col, pk); err != nil {
				return err
			}
			pk = col.PK
		}
		if len(pk) == 0 {
			col.Columns = append(col.Columns, catalog.Column{Name: "_rowid", Type: types.Int8, NotNull: true, Hidden: true})
			pk = []string{"_rowid"}
		}
		col.PK = pk
		if len(pk) > 1 {
			col.ShardCols = 1
		}
		// UNIQUE constraints: the columns' own, then the table's, named as
		// given or <table>_<columns>_key (numbered while taken).
		type unique struct {
			cols []string
			name string
		}
		var uniques []unique
		for _, cd := range st.Columns {
			if cd.Unique && !cd.PrimaryKey {
				uniques = append(uniques, unique{[]string{cd.Name}, cd.UniqueName})
			}
		}
		for i, u := range st.Uniques {
			name := ""
			if i < len(st.UniqueNames) {
				name = st.UniqueNames[i]
			}
			uniques = append(uniques, unique{u, name})
		}
		conNames := map[string]bool{st.Name + "_pkey": true}
		for i, u := range uniques {
			// As PostgreSQL: a UNIQUE on the same columns as one before it
			// (or as the primary key) is the same constraint.
			if slices.Equal(u.cols, pk) || slices.ContainsFunc(uniques[:i], func(o unique) bool { return slices.Equal(o.cols, u.cols) }) {
				continue
			}
			for _, name := range u.cols {
				if col.ColumnIndex(name) < 0 {
					return errs.Errorf(errs.UndefinedColumn, "column %q named in key does not exist", name)
				}
			}
			name, err := constraintName(conNames, u.name, st.Name+"_"+strings.Join(u.cols, "_")+"_key", st.Name)
			if err != nil {
				return err
			}
			if col.Temp() && (d.indexNameTaken(col, name) || taken[name]) {
				return errs.Errorf(errs.DuplicateTable, "relation %q already exists", name)
			}
			if _, _, exists := d.Cat.Catalog.FindIndex(name); !col.Temp() && (exists || d.relationTaken(name, taken)) {
				return errs.Errorf(errs.DuplicateTable, "relation %q already exists", name)
			}
			col.Indexes = append(col.Indexes, catalog.Index{ID: tx.NewID(), Name: name, Columns: u.cols, Unique: true})
		}
		if err := d.likeIndexes(tx, col, st, taken); err != nil {
			return err
		}
		if err := d.addForeignKeys(tx, col, st); err != nil {
			return err
		}
		tx.Put(col)
		return nil
	})
	return created, err
}

// kvOptions reads a key-value collection's WITH options: DEFAULT_TTL, an
// interval ('1 hour') or a number of seconds.
func kvOptions(st *ast.CreateCollection) (time.Duration, error) {
	var ttl time.Duration
	for _, o := range st.With {
		if o.Key != "default_ttl" {
			return 0, errs.Errorf(errs.SyntaxError, "unknown collection option %q", o.Key).
				WithPosition(o.Pos).WithHint("Key-value collections take DEFAULT_TTL.")
		}
		lit, ok := o.Value.(*ast.Literal)
		if !ok {
			return 0, errs.New(errs.InvalidParameterValue, "DEFAULT_TTL must be a constant").WithPosition(o.Pos)
		}
		switch lit.Kind {
		case "int", "number":
			f, err := strconv.ParseFloat(lit.Text, 64)
			if err != nil {
				return 0, errs.Errorf(errs.InvalidParameterValue, "invalid DEFAULT_TTL %q", lit.Text).WithPosition(o.Pos)
			}
			ttl = time.Duration(f * float64(time.Second))
		case "string":
			text, _ := lit.Value.(string)
			iv, err := funcs.ParseInterval(text)
			if err != nil {
				return 0, errs.Errorf(errs.InvalidParameterValue, "invalid DEFAULT_TTL %q: %w", text, err).WithPosition(o.Pos)
			}
			ttl = iv.Duration()
		default:
			return 0, errs.New(errs.InvalidParameterValue, "DEFAULT_TTL must be an interval or a number of seconds").WithPosition(o.Pos)
		}
		if ttl <= 0 {
			return 0, errs.New(errs.InvalidParameterValue, "DEFAULT_TTL must be positive").WithPosition(o.Pos)
		}
	}
	return ttl, nil
}

// kvColumns checks a key-value collection's key (one text column) and adds
// its ttl column (unless declared), the hidden expiry deadline and value
// kind, and the expiry index.
func kvColumns(tx *catalog.DDLTxn, col *catalog.Collection, pk []string) error {
	if len(pk) != 1 {
		return errs.New(errs.InvalidObjectDefinition, "a key-value collection needs exactly one primary-key column").
			WithHint("Declare it as (key TEXT PRIMARY KEY, ...).")
	}
	if c := col.Columns[col.ColumnIndex(pk[0])]; c.Type != types.Text && c.Type != types.Varchar {
		// RESP keys and vShard routing treat keys as text.
		return errs.Errorf(errs.InvalidObjectDefinition, "the key of a key-value collection must be TEXT, not %s", c.Type)
	}
	if i := col.ColumnIndex(kv.TTLColumn); i >= 0 {
		switch col.Columns[i].Type {
		case types.Int2, types.Int4, types.Int8:
		default:
			return errs.Errorf(errs.InvalidObjectDefinition, "column %q of a key-value collection holds seconds and must be an integer", kv.TTLColumn)
		}
		if col.Columns[i].Name == pk[0] {
			return errs.New(errs.InvalidObjectDefinition, "the ttl column cannot be the key")
		}
	} else {
		col.Columns = append(col.Columns, catalog.Column{Name: kv.TTLColumn, Type: types.Int8})
	}
	for _, name := range []string{kv.ExpiresColumn, kv.KindColumn} {
		if col.ColumnIndex(name) >= 0 {
			return errs.Errorf(errs.ReservedName, "column name %q is reserved in key-value collections", name)
		}
	}
	col.Columns = append(col.Columns, catalog.Column{Name: kv.ExpiresColumn, Type: types.Timestamptz, Hidden: true},
		catalog.Column{Name: kv.KindColumn, Type: types.Text, Hidden: true})
	col.PK = pk
	col.Indexes = append(col.Indexes, catalog.Index{ID: tx.NewIndexID(), Name: kv.ExpiryIndexName(col.Name), Columns: []string{kv.ExpiresColumn}})
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DropCollection soft-drops (or, with PURGE, deletes) collections. It
// returns what CASCADE dropped with them (the foreign keys referencing
// them: "constraint k on table t").
func (d *DDL) DropCollection(st *ast.DropCollection) (cascaded []string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		dropping := map[uint32]bool{}
		for _, name := range st.Names {
			if col, ok := d.Cat.Get(name); ok {
				dropping[col.ID] = true
			}
		}
		var err error
		if cascaded, err = d.dropReferences(tx, dropping, st.Cascade); err != nil {
			return err
		}
		byName, first := map[string]string{}, ""
		for _, name := range st.Names {
			if _, ok := d.Cat.Get(name); ok {
				byName[name] = "table"
				if first == "" {
					first = name
				}
			}
		}
		views, err := d.dropDependentViews(tx, byName, st.Cascade, "table", first)
		if err != nil {
			return err
		}
		cascaded = append(cascaded, views...)
		for _, name := range st.Names {
			col, ok := d.Cat.Get(name)
			if !ok {
				if st.Purge {
					if dropped, ok := d.Cat.LatestDropped(name); ok {
						if err := purge(tx.Txn, dropped); err != nil {
							return err
						}
						d.removeOwned(tx, dropped.ID)
						tx.Remove(dropped.ID)
						continue
					}
				}
				if st.IfExists {
					continue
				}
				return errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name).WithPosition(st.Pos)
			}
			if deps := d.Cat.StreamsOn(col.ID); len(deps) > 0 {
				names := make([]string, len(deps))
				for i, s := range deps {
					names[i] = s.Name
				}
				return errs.Errorf(errs.DependentObjects, "cannot drop collection %q because change streams depend on it: %s",
					col.Name, strings.Join(names, ", ")).WithHint("Drop the change streams first.")
			}
			if deps := d.Cat.TriggersOn(col.ID); len(deps) > 0 {
				names := make([]string, len(deps))
				for i, t := range deps {
					names[i] = t.Name
				}
				return errs.Errorf(errs.DependentObjects, "cannot drop collection %q because triggers depend on it: %s",
					col.Name, strings.Join(names, ", ")).WithHint("Drop the triggers first (DROP TRIGGER name ON collection).")
			}
			tx.LockCollection(col.ID)
			if st.Purge || col.Temp() {
				// A temporary table is gone for good (no UNDROP).
				if err := purge(tx.Txn, col); err != nil {
					return err
				}
				d.removeOwned(tx, col.ID)
				tx.Remove(col.ID)
				continue
			}
			n := catalog.Clone(col)
			n.Dropped = true
			n.DroppedAt = time.Now().UTC()
			tx.Put(n)
		}
		return nil
	})
	return cascaded, err
}

// purge deletes a collection's rows, index entries and field records.
func purge(tx *txn.Txn, col *catalog.Collection) error {
	prefixes := [][]byte{storage.RowPrefix(col.ID)}
	for _, ix := range col.Indexes {
		prefixes = append(prefixes, storage.IndexPrefix(ix.ID))
	}
	for _, p := range prefixes {
		if err := deletePrefix(tx, p); err != nil {
			return err
		}
	}
	return catalog.DropFields(tx, col.ID)
}

func deletePrefix(tx *txn.Txn, p []byte) error { return tx.DeleteRange(p, storage.PrefixEnd(p)) }

// Undrop restores the most recently dropped collection of a name.
//
// A restored table keeps the foreign keys that still hold; those whose
// referenced table is gone, or that a row no longer satisfies (the
// referenced rows were free to go while it was dropped), are dropped and
// returned, for the caller to say so.
func (d *DDL) Undrop(st *ast.UndropCollection) (droppedKeys []string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := d.Cat.Get(st.Name); ok {
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name).
				WithHint("Drop or rename the live collection first.")
		}
		col, ok := d.Cat.LatestDropped(st.Name)
		if !ok {
			return errs.Errorf(errs.UndefinedTable, "no dropped collection %q to restore", st.Name)
		}
		n := catalog.Clone(col)
		n.Dropped = false
		n.DroppedAt = time.Time{}
		var err error
		if droppedKeys, err = d.keepValidKeys(tx, n); err != nil {
			return err
		}
		if err := d.renameTakenSequences(tx, n); err != nil {
			return err
		}
		tx.Put(n)
		return nil
	})
	return droppedKeys, err
}

// renameTakenSequences gives a restored collection's sequences whose
// names were taken while it was dropped (a new table's serial took
// t_id_seq) a free name, <name>1 and on, and its column defaults the new
// names.
func (d *DDL) renameTakenSequences(tx *catalog.DDLTxn, n *catalog.Collection) error {
	taken := map[string]bool{}
	for _, sq := range d.Cat.SequencesOwnedBy(n.ID) {
		if !d.relationTaken(sq.Name, taken) {
			taken[sq.Name] = true
			continue
		}
		name := sq.Name
		for i := 1; d.relationTaken(name, taken); i++ {
			name = fmt.Sprintf("%s%d", sq.Name, i)
		}
		taken[name] = true
		renamed := *sq
		renamed.Name = name
		if err := tx.PutSequence(&renamed); err != nil {
			return err
		}
		for i := range n.Columns {
			c := &n.Columns[i]
			if c.Default != "" {
				c.Default = strings.ReplaceAll(c.Default, ast.QuoteString(sq.Name), ast.QuoteString(name))
			}
		}
	}
	return nil
}

// AddColumn executes ALTER TABLE ... ADD COLUMN; existing rows get the
// default (or NULL).
// storableType refuses column types whose values rows cannot hold yet.
func storableType(name string, t types.T) error {
	if t == types.Interval {
		return errs.Errorf(errs.FeatureNotSupported, "column %q: interval columns are not supported yet", name).
			WithHint("Store the interval as text, or as a number of seconds, and cast it when reading.")
	}
	return nil
}

func (d *DDL) AddColumn(st *ast.AlterAddColumn) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.Cat.MustGet(st.Table)
		if err != nil {
			return err
		}
		if !col.Tuple() {
			return errs.Errorf(errs.FeatureNotSupported, "%q is schemaless: just write the new field", col.Name)
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(st.Table); err != nil {
			return err
		}
		if col.ColumnIndex(st.Column.Name) >= 0 {
			if st.IfNotExists {
				return nil
			}
			return errs.Errorf(errs.DuplicateColumn, "column %q of relation %q already exists", st.Column.Name, col.Name)
		}
		if st.Column.PrimaryKey {
			return errs.New(errs.FeatureNotSupported, "cannot add a primary-key column")
		}
		t, mod, err := d.columnType(st.Column.Name, st.Column.Type, st.Column.TypeName, st.Column.TypeMod, st.Column.Array)
		if err != nil {
			return err
		}
		c := catalog.Column{Name: st.Column.Name, Type: t, TypeMod: mod, NotNull: st.Column.NotNull}
		if st.Column.Default != nil {
			def, err := d.resolveDefault(st.Column.Default, t, nil)
			if err != nil {
				return err
			}
			c.Default = defaultText(def)
		}
		var seq *catalog.Sequence // a serial or identity column's, new in this transaction
		if t, serial := serialType(st.Column.TypeName); (serial && !st.Column.Array) || st.Column.Identity != "" {
			if serial {
				c.Type = t
			}
			if st.Column.Default != nil {
				return errs.Errorf(errs.SyntaxError, "both default and identity specified for column %q of table %q", c.Name, col.Name)
			}
			if !c.Type.IsInteger() || st.Column.Array {
				return errs.Errorf(errs.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
			}
			c.Identity = map[string]string{"ALWAYS": "a", "BY DEFAULT": "d"}[st.Column.Identity]
			if seq, err = d.ownedSequence(tx, col, &c, st.Column.IdentityOpt, map[string]bool{}); err != nil {
				return err
			}
		}
		n := catalog.Clone(col)
		// Stored tuples keep column positions; a hidden row id may sit
		// before the new column, which SELECT * skips.
		n.Columns = append(n.Columns, c)
		if st.Column.Unique {
			n.Indexes = append(n.Indexes, catalog.Index{ID: tx.NewIndexID(), Name: col.Name + "_" + c.Name + "_key", Columns: []string{c.Name}, Unique: true})
		}
		// Backfill existing rows with the default: evaluated once, or per
		// row when it is volatile (gen_random_uuid(), random()), as in
		// PostgreSQL; a new sequence's values are numbered here.
		env := d.Env(tx.Txn)
		var def types.Value
		perRow := false
		if c.Default != "" && seq == nil {
			if perRow, err = env.VolatileDefault(c); err != nil {
				return err
			}
			v, err := evalDefault(env, n, c)
			if err != nil {
				return err
			}
			def = v
		}
		if seq != nil {
			def = seq.Start // each row numbered below
		}
		rows, err := storedRows(tx, col)
		if err != nil {
			return err
		}
		if len(rows) > 0 && def == nil && c.NotNull {
			return errs.Errorf(errs.NotNullViolation, "column %q of relation %q contains null values", c.Name, col.Name)
		}
		for i, r := range rows {
			t, err := document.DecodeTuple(r.val, len(n.Columns))
			if err != nil {
				return err
			}
			switch {
			case seq != nil:
				v, err := seqValue(seq, i)
				if err != nil {
					return err
				}
				def = v
			case perRow && i > 0:
				if def, err = evalDefault(env, n, c); err != nil {
					return err
				}
			}
			t[len(n.Columns)-1] = def
			enc, err := document.EncodeTuple(t)
			if err != nil {
				return err
			}
			tx.Set(r.key, enc)
			if st.Column.Unique {
				pk, _, idx, err := rowParts(n, t)
				if err != nil {
					return err
				}
				ix := n.Indexes[len(n.Indexes)-1]
				if err := document.AddIndexEntry(writer{tx.Txn}, document.IndexLayout{ID: ix.ID, Name: ix.Name, Unique: true}, idx[len(idx)-1], pk); err != nil {
					return err
				}
			}
		}
		if seq != nil && len(rows) > 0 {
			// The sequence continues after the rows just numbered.
			tx.Set(storage.SequenceKey(seq.ID), catalog.EncodeSequenceState(def.(int64), true))
		}
		if err := d.addColumnConstraints(tx, n, st.Column); err != nil {
			return err
		}
		tx.Put(n)
		return nil
	})
}

// addColumnConstraints adds a new column's CHECK and REFERENCES
// constraints to n (the table's new descriptor, whose rows already hold
// the column's values), checking the rows (23514, 23503).
func (d *DDL) addColumnConstraints(tx *catalog.DDLTxn, n *catalog.Collection, cd ast.ColumnDef) error {
	if len(cd.Checks) == 0 && len(cd.References) == 0 {
		return nil
	}
	taken := constraintNames(n)
	env := d.Env(tx.Txn)
	for _, c := range cd.Checks {
		if _, err := plan.BindCheck(n, c.Expr); err != nil {
			return err
		}
		name, err := constraintName(taken, c.Name, n.Name+"_"+cd.Name+"_check", n.Name)
		if err != nil {
			return err
		}
		n.Checks = append(n.Checks, catalog.Check{Name: name, Expr: ast.Format(c.Expr)})
		if err := env.checkStoredRows(tx, n); err != nil {
			return err
		}
	}
	for _, def := range cd.References {
		fk, parent, err := d.foreignKey(tx, n, def, taken)
		if err != nil {
			return err
		}
		n.FKs = append(n.FKs, fk)
		if parent == nil {
			parent = n
		}
		if err := d.checkRows(tx, n, parent, &fk); err != nil {
			return err
		}
	}
	return nil
}

func evalDefault(env *Env, coll *catalog.Collection, c catalog.Column) (types.Value, error) {
	// The planner's full-tuple builder binds defaults; reuse it through a
	// one-column tuple.
	_ = coll
	return env.EvalDefault(c)
}

// CreateIndex executes CREATE INDEX, building it over existing rows.
func (d *DDL) CreateIndex(st *ast.CreateIndex) (bool, error) {
	created := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.Cat.MustGet(st.Table)
		if err != nil {
			return err
		}
		name := st.Name
		if name == "" {
			name = IndexName(st)
			if !st.IfNotExists {
				base := name
				for i := 1; d.indexNameTaken(col, name); i++ {
					name = fmt.Sprintf("%s%d", base, i)
				}
			}
		}
		if d.indexNameTaken(col, name) {
			if st.IfNotExists {
				created = false
				return nil
			}
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", name)
		}
		if col.Tuple() {
			for i, c := range st.Columns {
				if (i >= len(st.Exprs) || st.Exprs[i] == nil) && col.ColumnIndex(c) < 0 {
					return errs.Errorf(errs.UndefinedColumn, "column %q does not exist", c)
				}
			}
			for _, c := range st.Include {
				if col.ColumnIndex(c) < 0 {
					return errs.Errorf(errs.UndefinedColumn, "column %q does not exist", c)
				}
			}
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(st.Table); err != nil {
			return err
		}
		n := catalog.Clone(col)
		ix := catalog.Index{ID: tx.NewIndexID(), Name: name, Columns: st.Columns, Unique: st.Unique, Include: st.Include}
		ix.Opts = indexElemOpts(st.Opts)
		for i, e := range st.Exprs {
			if e == nil {
				continue
			}
			if _, err := plan.BindIndexExpr(col, e); err != nil {
				return err
			}
			if ix.Exprs == nil {
				ix.Exprs = make([]string, len(st.Columns))
			}
			ix.Exprs[i] = ast.Format(e)
		}
		if st.Where != nil {
			if _, err := plan.BindIndexPred(col, st.Where); err != nil {
				return err
			}
			ix.Where = ast.Format(st.Where)
		}
		n.Indexes = append(n.Indexes, ix)
		lo := storage.RowPrefix(col.ID)
		it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
		if err != nil {
			return err
		}
		var raws [][]byte
		for ; it.Valid(); it.Next() {
			raws = append(raws, append([]byte(nil), it.Value()...))
		}
		if err := it.Close(); err != nil {
			return err
		}
		w := writer{tx.Txn}
		il := document.IndexLayout{ID: ix.ID, Name: ix.Name, Unique: ix.Unique}
		for _, raw := range raws {
			row, err := decodeRow(n, raw)
			if err != nil {
				return err
			}
			pk, _, idx, err := rowParts(n, row)
			if err != nil {
				return err
			}
			if err := document.AddIndexEntry(w, il, idx[len(idx)-1], pk); err != nil {
				if errs.Is(err, errs.UniqueViolation) && n.Tuple() {
					return errs.Errorf(errs.UniqueViolation, "could not create unique index %q", ix.Name).
						WithDetail("Key " + indexKeyText(n, len(n.Indexes)-1, row) + " is duplicated.")
				}
				return err
			}
		}
		tx.Put(n)
		return nil
	})
	return created, err
}

// IndexName is the name of an index CREATE INDEX does not name, as
// PostgreSQL chooses it: <table>_<key columns>_idx, an expression
// element named after its function ("expr" when it calls none), repeated
// names numbered (expr, expr1). The caller numbers the name while taken.
func IndexName(st *ast.CreateIndex) string {
	names := make([]string, len(st.Columns))
	seen := map[string]bool{}
	for i, c := range st.Columns {
		n := strings.ReplaceAll(c, ".", "_")
		if i < len(st.Exprs) && st.Exprs[i] != nil {
			n = indexExprName(st.Exprs[i])
		}
		base := n
		for j := 1; seen[n]; j++ {
			n = fmt.Sprintf("%s%d", base, j)
		}
		seen[n] = true
		names[i] = n
	}
	return st.Table + "_" + strings.Join(names, "_") + "_idx"
}

// indexElemOpts is CREATE INDEX's element options as the catalog keeps
// them (nil when none).
func indexElemOpts(opts []ast.IndexElemOpts) []catalog.IndexOpt {
	if len(opts) == 0 {
		return nil
	}
	out := make([]catalog.IndexOpt, len(opts))
	for i, o := range opts {
		out[i] = catalog.IndexOpt(o)
	}
	return out
}

// indexExprName is the column name PostgreSQL figures for an index key
// expression: a function's name, a cast column's name or the cast's type,
// else "expr".
func indexExprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.FuncCall:
		return x.Name[strings.LastIndexByte(x.Name, '.')+1:]
	case *ast.Cast:
		switch y := x.X.(type) {
		case *ast.ColumnRef, *ast.FuncCall, *ast.Cast:
			if n := indexExprName(y); n != "expr" {
				return n
			}
		}
		if x.TypeName != "" {
			return x.TypeName
		}
		return x.Type.String()
	case *ast.ColumnRef:
		if len(x.Parts) > 0 && !x.WholeRow {
			return x.Parts[len(x.Parts)-1]
		}
	}
	return "expr"
}

// indexKeyText renders a row's key in coll.Indexes[i] for a unique
// violation's detail, as PostgreSQL does: (a, lower(b))=(1, x).
func indexKeyText(coll *catalog.Collection, i int, row types.Row) string {
	ix := &coll.Indexes[i]
	var elems []plan.Expr
	if bound, err := plan.IndexBindings(coll); err == nil && bound != nil {
		elems = bound[i].Elems
	}
	names := make([]string, len(ix.Columns))
	vals := make([]string, len(ix.Columns))
	for j, c := range ix.Columns {
		var v types.Value
		var t types.T
		if elems != nil && elems[j] != nil {
			names[j] = ast.IndexExprText(mustParseExpr(ix.Exprs[j]))
			v, _ = evalIndexExpr(elems[j], row)
			t = elems[j].Type()
		} else {
			names[j] = c
			v, t = columnValue(coll, row, c), coll.Columns[coll.ColumnIndex(c)].Type
		}
		vals[j] = "null"
		if v != nil {
			vals[j] = types.FormatTyped(v, t)
		}
	}
	return "(" + strings.Join(names, ", ") + ")=(" + strings.Join(vals, ", ") + ")"
}

// mustParseExpr parses an expression the catalog holds (it parsed when
// stored); one that no longer parses shows as its text.
func mustParseExpr(text string) ast.Expr {
	e, err := parser.ParseExpr(text)
	if err != nil {
		return &ast.ColumnRef{Parts: []string{text}}
	}
	return e
}

// DropIndex executes DROP INDEX.
func (d *DDL) DropIndex(st *ast.DropIndex) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, ix, ok := d.Cat.FindIndex(st.Name)
		if !ok || (st.Table != "" && col.Name != st.Table) {
			if st.IfExists {
				return nil
			}
			if st.Sorted {
				return errs.Errorf(errs.UndefinedObject, "sorted index %q does not exist", st.Name)
			}
			return errs.Errorf(errs.UndefinedObject, "index %q does not exist", st.Name)
		}
		tx.LockCollection(col.ID)
		if col, ix, ok = d.Cat.FindIndex(st.Name); !ok {
			return errs.Errorf(errs.UndefinedObject, "index %q does not exist", st.Name)
		}
		if st.Sorted && !ix.Sorted {
			return errs.Errorf(errs.WrongObjectType, "%q is not a sorted index", st.Name)
		}
		n := catalog.Clone(col)
		n.Indexes = n.Indexes[:0]
		for _, x := range col.Indexes {
			if x.ID != ix.ID {
				n.Indexes = append(n.Indexes, x)
			}
		}
		if err := deletePrefix(tx.Txn, storage.IndexPrefix(ix.ID)); err != nil {
			return err
		}
		tx.Put(n)
		return nil
	})
}

// EvalDefault evaluates a column's DEFAULT expression.
func (env *Env) EvalDefault(c catalog.Column) (types.Value, error) {
	be, err := bindDefault(c)
	if err != nil {
		return nil, err
	}
	return env.Eval(&plan.Coerce{X: be, T: c.Type, TypeMod: c.TypeMod, Col: c.Name}, nil)
}

// bindDefault parses and binds a column's DEFAULT expression.
func bindDefault(c catalog.Column) (plan.Expr, error) {
	e, err := parser.ParseExpr(c.Default)
	if err != nil {
		return nil, err
	}
	return (&plan.Builder{}).BindStandalone(e, c.Type)
}

// publicRegclass matches a relation named in the public schema by a
// regclass literal.
var publicRegclass = regexp.MustCompile(`'public\.([^']*)'::regclass`)

// defaultText is the stored text of a column default: its SQL, with a
// regclass literal naming a public relation by its bare name (pg_dump
// writes nextval('public.t_id_seq'::regclass); PostgreSQL shows
// nextval('t_id_seq'::regclass), every relation being public).
func defaultText(e ast.Expr) string {
	return publicRegclass.ReplaceAllString(ast.Format(e), `'$1'::regclass`)
}
