package event

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSignKnownVector(t *testing.T) {
	// Computed independently: printf '1700000000.{"a":1}' |
	//   openssl dgst -sha256 -hmac whsec_test
	got := Sign("whsec_test", time.Unix(1700000000, 0), []byte(`{"a":1}`))
	require.Equal(t, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789", got)
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond,
		10 * time.Second, 10 * time.Second}
	for i, w := range want {
		require.Equal(t, w, Backoff(i+1), "retry %d", i+1)
	}
	require.Equal(t, 10*time.Second, Backoff(1000))
}

func TestWebhookStatusClasses(t *testing.T) {
	status := 200
	var body []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		hdr = r.Header.Clone()
		if status == 302 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: "s", Client: NewWebhookClient(), Now: func() time.Time { return time.Unix(1700000000, 0) }}
	defer w.Close()
	batch := []Outgoing{{Event: Event{LSN: 9, Partition: 3}, Body: []byte(`{"lsn":9}`)}}
	for _, c := range []struct {
		status    int
		ok, perma bool
	}{{200, true, false}, {204, true, false}, {302, false, true}, {400, false, true}, {404, false, true},
		{408, false, false}, {429, false, false}, {500, false, false}, {503, false, false}} {
		status = c.status
		err := w.Send(context.Background(), "s1", batch)
		var perm *PermanentError
		require.Equal(t, c.ok, err == nil, "status %d: %v", c.status, err)
		require.Equal(t, c.perma, errors.As(err, &perm), "status %d: %v", c.status, err)
	}
	require.Equal(t, `{"lsn":9}`, string(body))
	require.Equal(t, "3:9", hdr.Get("X-Idempotency-Key"))
	require.Equal(t, "s1", hdr.Get("X-Stream-Name"))
	require.Equal(t, "3", hdr.Get("X-Partition"))
	require.Equal(t, "9", hdr.Get("X-LSN"))
	require.Equal(t, Sign("s", time.Unix(1700000000, 0), body), hdr.Get("X-NodeDB-Signature"))

	// A batch is a JSON array; the key spans its LSNs.
	status = 200
	batch = append(batch, Outgoing{Event: Event{LSN: 12, Partition: 3}, Body: []byte(`{"lsn":12}`)})
	require.NoError(t, w.Send(context.Background(), "s1", batch))
	require.Equal(t, `[{"lsn":9},{"lsn":12}]`, string(body))
	require.Equal(t, "3:9-12", hdr.Get("X-Idempotency-Key"))
	require.Equal(t, "2", hdr.Get("X-Batch-Size"))

	// A receiver that does not answer in time is a retryable error.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	defer slow.Close()
	ws := &Webhook{URL: slow.URL, Timeout: 50 * time.Millisecond, Client: NewWebhookClient()}
	defer ws.Close()
	err := ws.Send(context.Background(), "s1", batch[:1])
	var perm *PermanentError
	require.Error(t, err)
	require.False(t, errors.As(err, &perm))
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestValidateWebhookURL(t *testing.T) {
	for _, ok := range []string{"http://localhost:8080/hook", "https://example.com/x?y=1"} {
		require.NoError(t, ValidateWebhookURL(ok), ok)
	}
	for _, bad := range []string{"", "ftp://x", "localhost:8080", "http://", "/relative", "::"} {
		require.Error(t, ValidateWebhookURL(bad), bad)
	}
}
