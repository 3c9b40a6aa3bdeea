package event

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nodedb-go/nodedb/errs"
)

// Webhook POSTs events to a URL. With one event per request the body is
// the event's JSON; with a batch it is a JSON array of them. Headers name
// the stream, partition and LSN (of the last event) and carry an
// idempotency key; with a secret, X-NodeDB-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
type Webhook struct {
	URL     string
	Secret  string
	Timeout time.Duration
	Client  *http.Client
	Now     func() time.Time
}

// NewWebhookClient returns the HTTP client a webhook uses: its own
// connection pool, no redirects.
func NewWebhookClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// ValidateWebhookURL checks a webhook URL: absolute http or https with a
// host.
func ValidateWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errs.Errorf(errs.InvalidParameterValue, "webhook URL %q must be an absolute http:// or https:// URL", raw)
	}
	return nil
}

// Sign returns the X-NodeDB-Signature value of a body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Send implements Sink.
func (w *Webhook) Send(ctx context.Context, stream string, batch []Outgoing) error {
	if len(batch) == 0 {
		return nil
	}
	body := batch[0].Body
	if len(batch) > 1 {
		var b bytes.Buffer
		b.WriteByte('[')
		for i, o := range batch {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(o.Body)
		}
		b.WriteByte(']')
		body = b.Bytes()
	}
	first, last := batch[0].Event, batch[len(batch)-1].Event
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("webhook: %w", err)}
	}
	key := fmt.Sprintf("%d:%d", first.Partition, first.LSN)
	if len(batch) > 1 {
		key = fmt.Sprintf("%d:%d-%d", first.Partition, first.LSN, last.LSN)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "nodedb-webhook/1")
	h.Set("X-Idempotency-Key", key)
	h.Set("X-Event-Sequence", strconv.FormatUint(last.LSN, 10))
	h.Set("X-Stream-Name", stream)
	h.Set("X-Partition", strconv.Itoa(int(first.Partition)))
	h.Set("X-LSN", strconv.FormatUint(last.LSN, 10))
	if len(batch) > 1 {
		h.Set("X-Batch-Size", strconv.Itoa(len(batch)))
	}
	if batch[0].Replay {
		h.Set("X-NodeDB-Replay", "true")
	}
	if w.Secret != "" {
		now := time.Now
		if w.Now != nil {
			now = w.Now
		}
		h.Set("X-NodeDB-Signature", Sign(w.Secret, now(), body))
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: POST %s: %w", w.URL, err)
	}
	// Drain a little of the body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c >= 300 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		// Redirects are not followed (a POST must not turn into a GET).
		return &PermanentError{Err: fmt.Errorf("webhook: POST %s: HTTP %d", w.URL, c)}
	default:
		return fmt.Errorf("webhook: POST %s: HTTP %d", w.URL, c)
	}
}

// Close implements Sink.
func (w *Webhook) Close() error {
	if w.Client != nil {
		w.Client.CloseIdleConnections()
	}
	return nil
}
