package event

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// DeadLetter is an event outbound delivery gave up on: the receiver
// refused it permanently or every retry failed. It is durable until it is
// replayed successfully or purged.
type DeadLetter struct {
	StreamID  uint32          `json:"-"`
	LSN       uint64          `json:"lsn"`
	Partition uint16          `json:"partition"`
	Event     json.RawMessage `json:"event"` // the event as it was sent
	Error     string          `json:"error"`
	Attempts  int             `json:"attempts"`
	FirstMs   int64           `json:"first_attempt_ms"`
	LastMs    int64           `json:"last_attempt_ms"`
}

// PutDeadLetter stages a dead letter (replacing one for the same event).
func PutDeadLetter(tx *txn.Txn, d *DeadLetter) error {
	buf, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("event: encode dead letter: %w", err)
	}
	tx.Set(storage.DeadLetterKey(d.StreamID, d.LSN), buf)
	return nil
}

// DeleteDeadLetter stages the removal of one dead letter.
func DeleteDeadLetter(tx *txn.Txn, streamID uint32, lsn uint64) {
	tx.Delete(storage.DeadLetterKey(streamID, lsn))
}

// DeadLetters lists a stream's dead letters in LSN order (up to limit; 0:
// all).
func DeadLetters(tx *txn.Txn, streamID uint32, limit int) ([]*DeadLetter, error) {
	lo := storage.DeadLetterPrefix(streamID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*DeadLetter
	for ; it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
		k := it.Key()
		if len(k) != len(lo)+8 {
			return nil, errs.New(errs.DataCorrupted, "event: bad dead-letter key")
		}
		d := &DeadLetter{}
		if err := json.Unmarshal(it.Value(), d); err != nil {
			return nil, errs.Errorf(errs.DataCorrupted, "event: bad dead letter: %w", err)
		}
		d.StreamID = streamID
		d.LSN = binary.BigEndian.Uint64(k[len(lo):])
		out = append(out, d)
	}
	return out, nil
}

// PurgeDeadLetters stages the removal of every dead letter of a stream and
// returns how many there were.
func PurgeDeadLetters(tx *txn.Txn, streamID uint32) (int, error) {
	lo := storage.DeadLetterPrefix(streamID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return 0, err
	}
	n := 0
	for ; it.Valid(); it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	return n, tx.DeleteRange(lo, storage.PrefixEnd(lo))
}
