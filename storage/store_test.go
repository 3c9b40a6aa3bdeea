package storage_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

func TestOpenWritesAndChecksFormatVersion(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	v, closer, err := st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(storage.FormatVersion), binary.BigEndian.Uint32(v))
	require.Len(t, v, 4)
	require.NoError(t, closer.Close())
	require.Equal(t, dir, st.Dir())
	require.NoError(t, st.Close())

	// Reopening the same version works.
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	for name, val := range map[string][]byte{
		"newer version": binary.BigEndian.AppendUint32(nil, storage.FormatVersion+1),
		"older version": binary.BigEndian.AppendUint32(nil, storage.FormatVersion-1),
		"bad length":    {0, 0, 0, 0, storage.FormatVersion},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
			require.NoError(t, err)
			require.NoError(t, db.Set(storage.KeyFormatVersion, val, pebble.Sync))
			require.NoError(t, db.Close())

			_, err = storage.Open(dir, storage.Options{})
			require.Error(t, err)
			require.True(t, errors.Is(err, storage.ErrFormat), "got %v", err)

			// The refusal did not rewrite the version.
			db, err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
			require.NoError(t, err)
			got, closer, err := db.Get(storage.KeyFormatVersion)
			require.NoError(t, err)
			require.Equal(t, val, append([]byte(nil), got...))
			require.NoError(t, closer.Close())
			// Restore for the next case.
			require.NoError(t, db.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, storage.FormatVersion), pebble.Sync))
			require.NoError(t, db.Close())
		})
	}
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())
}

type quiet struct{}

func (quiet) Infof(string, ...any)         {}
func (quiet) Errorf(string, ...any)        {}
func (quiet) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
