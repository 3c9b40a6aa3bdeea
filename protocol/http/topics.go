package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/nodedb-go/nodedb/errs"
)

// topicPublish is POST /v1/topics/{topic}/publish. The body is one message
// (any JSON value, or plain text), or a JSON array of messages; all of them
// are published in one transaction.
func (h *handler) topicPublish(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	user, ae := h.authenticate(r)
	if ae != nil {
		h.failStream(w, r, start, ae)
		return
	}
	body, err := io.ReadAll(readLimited(w, r, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.failStream(w, r, start, newAPIError(http.StatusRequestEntityTooLarge, errs.ProgramLimitExceeded, "request body too large"))
			return
		}
		h.failStream(w, r, start, newAPIError(http.StatusBadRequest, errs.ProtocolViolation, "could not read the request body"))
		return
	}
	msgs := []string{string(body)}
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			h.failStream(w, r, start, newAPIError(http.StatusBadRequest, errs.InvalidTextRep, "invalid JSON array: "+err.Error()))
			return
		}
		msgs = msgs[:0]
		for _, m := range arr {
			// A JSON string element is published as its text.
			var s string
			if json.Unmarshal(m, &s) == nil {
				msgs = append(msgs, s)
			} else {
				msgs = append(msgs, string(m))
			}
		}
	}
	if len(msgs) == 0 {
		h.failStream(w, r, start, newAPIError(http.StatusBadRequest, errs.InvalidParameterValue, "no messages to publish"))
		return
	}
	sess := h.backend.NewSession(user)
	defer sess.Close()
	if err := sess.PublishMessages(r.Context(), r.PathValue("stream"), msgs); err != nil {
		h.failStream(w, r, start, toAPIError(err))
		return
	}
	h.observe(start, false)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "published": len(msgs)})
}
