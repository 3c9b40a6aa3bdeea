package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// reservedName rejects user object names in the topics' namespace.
func reservedName(name string) error {
	if strings.HasPrefix(name, catalog.TopicPrefix) {
		return errs.Errorf(errs.ReservedName, "name %q is reserved (the %s prefix belongs to topics)", name, catalog.TopicPrefix)
	}
	return nil
}

func (s *Session) createTopic(st *ast.CreateTopic) (*Result, error) {
	var retMs, retN int64
	for _, o := range st.With {
		v, err := optionText(o)
		if err != nil {
			return nil, err
		}
		switch o.Key {
		case "retention", "retention_events":
			ms, n, err := parseRetention(o.Key, v)
			if err != nil {
				return nil, err
			}
			if ms > 0 {
				retMs = ms
			}
			if n > 0 {
				retN = n
			}
		default:
			return nil, errs.Errorf(errs.SyntaxError, "unknown topic option %q", o.Key).WithPosition(o.Pos).
				WithHint("Supported options: RETENTION, RETENTION_EVENTS.")
		}
	}
	if err := catalog.ValidateName(st.Name); err != nil {
		return nil, err
	}
	cat := s.mgr.db.cat
	var notices []Notice
	internal := catalog.TopicPrefix + st.Name
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := cat.Topic(st.Name); ok {
			if st.IfNotExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateObject, Message: fmt.Sprintf("topic '%s' already exists, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.DuplicateObject, "topic '%s' already exists", st.Name)
		}
		now := time.Now().UTC()
		coll := &catalog.Collection{ID: tx.NewID(), Name: internal, Kind: catalog.Schemaless, PK: []string{"id"}, Created: now, Internal: true}
		tx.Put(coll)
		stream := &catalog.Stream{ID: tx.NewID(), Name: internal, Collection: internal, CollectionID: coll.ID,
			Include: []string{"INSERT"}, Format: "json", StartLSN: tx.SnapshotLSN(), Owner: s.user, Created: now,
			RetentionMs: retMs, RetentionEvents: retN}
		if err := tx.PutStream(stream); err != nil {
			return err
		}
		return tx.PutTopic(&catalog.Topic{ID: tx.NewID(), Name: st.Name, CollID: coll.ID, StreamID: stream.ID, Owner: s.user, Created: now})
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE TOPIC", Notices: notices}, nil
}

func (s *Session) dropTopic(st *ast.DropTopic) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	var groups []*catalog.Group
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		t, ok := cat.Topic(st.Name)
		if !ok {
			if st.IfExists {
				return nil
			}
			return errs.Errorf(errs.UndefinedObject, "topic '%s' does not exist", st.Name)
		}
		if stream, ok := cat.TopicStream(t); ok {
			groups = cat.Groups(stream.ID)
			if err := tx.RemoveStream(stream); err != nil {
				return err
			}
		}
		tx.LockCollection(t.CollID)
		if err := tx.DeleteRange(storage.RowPrefix(t.CollID), storage.PrefixEnd(storage.RowPrefix(t.CollID))); err != nil {
			return err
		}
		if err := catalog.DropFields(tx.Txn, t.CollID); err != nil {
			return err
		}
		tx.Remove(t.CollID)
		tx.RemoveTopic(t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		db.delivered.Forget(g.ID)
		db.members.Forget(g.ID)
	}
	return &Result{Tag: "DROP TOPIC"}, nil
}

// publish stores a message: a JSON payload stays JSON, anything else
// becomes {"message": "..."}. Inside a transaction block it is visible to
// consumers only at commit, like any write.
func (s *Session) publish(ctx context.Context, st *ast.Publish, params []types.Value) (*Result, error) {
	payload := st.Payload
	if st.Param > 0 {
		if st.Param > len(params) {
			return nil, errs.Errorf(errs.UndefinedParameter, "there is no parameter $%d", st.Param)
		}
		v, err := types.Cast(params[st.Param-1], types.Text)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, errs.New("22004", "a PUBLISH payload must not be NULL")
		}
		payload = v.(string)
	}
	if err := s.PublishMessages(ctx, st.Topic, []string{payload}); err != nil {
		return nil, err
	}
	return &Result{Tag: "PUBLISH"}, nil
}

// topicDoc is the stored form of one message.
func topicDoc(payload string) (map[string]any, error) {
	v, err := types.ParseJSON(payload)
	if err != nil {
		return map[string]any{"payload": map[string]any{"message": payload}}, nil
	}
	return map[string]any{"payload": v}, nil
}

// PublishMessages publishes messages to a topic in the session's
// transaction (or one of their own): the messages are written as
// documents of the topic's collection directly, without planning an
// INSERT per message.
func (s *Session) PublishMessages(ctx context.Context, topic string, payloads []string) error {
	db := s.mgr.db
	if _, ok := db.cat.Topic(topic); !ok {
		return errs.Errorf(errs.UndefinedObject, "topic '%s' does not exist", topic)
	}
	coll, err := db.cat.MustGet(catalog.TopicPrefix + topic)
	if err != nil {
		return err
	}
	docs := make([]map[string]any, len(payloads))
	for i, p := range payloads {
		if docs[i], err = topicDoc(p); err != nil {
			return err
		}
	}
	s.lockForWrite(coll.ID)
	if s.tx == nil && s.implicit {
		s.tx = db.txm.Begin()
	}
	tx := s.tx
	auto := tx == nil
	if auto {
		tx = db.txm.Begin()
		defer tx.Rollback()
		defer s.releaseLocks()
	}
	env := &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids, Refs: db.cat}
	if err := env.InsertDocs(coll, docs); err != nil {
		return err
	}
	if auto {
		if _, err := tx.Commit(); err != nil {
			return err
		}
		publish(env.Fields)
	} else {
		s.fields = append(s.fields, env.Fields...)
	}
	return nil
}

func (s *Session) showTopics() (*Result, error) {
	db := s.mgr.db
	col := func(n string, t types.T) Column { return Column{Name: n, Type: t, TypeMod: -1} }
	res := &Result{Columns: []Column{col("name", types.Text), col("retention", types.Text),
		col("buffered_events", types.Int8), col("owner", types.Text)}}
	tx := db.txm.Begin()
	defer tx.Rollback()
	for _, t := range db.cat.Topics() {
		stream, ok := db.cat.TopicStream(t)
		if !ok {
			continue
		}
		parts, err := partitionStats(tx, db.cat, stream)
		if err != nil {
			return nil, err
		}
		var n int64
		for _, ps := range parts {
			n += int64(len(ps.lsns))
		}
		ret := "24 hours"
		if stream.RetentionMs > 0 {
			ret = (time.Duration(stream.RetentionMs) * time.Millisecond).String()
		}
		if stream.RetentionEvents > 0 {
			ret += fmt.Sprintf(", %d events", stream.RetentionEvents)
		}
		res.Rows = append(res.Rows, types.Row{t.Name, ret, n, t.Owner})
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}
