package resp

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nodedb-go/nodedb/session"
)

// Hashes and sorted sets are stored in a key's value column as a JSON
// object, so SQL reads them as text (and with the JSON functions): a hash
// as {"field": "value", ...}, a sorted set as {"member": score, ...} with
// the scores ±inf as the strings "inf" and "-inf". The hidden _kind column
// says which ("hash", "zset"); a command on a key of another kind answers
// WRONGTYPE. Fields, values and members must be UTF-8 text (JSON's rule).
// Every command rewrites the whole object, so these suit small values.

const errNotUTF8 Error = "ERR NodeDB stores hash fields and values and sorted set members as JSON text: they must be valid UTF-8"

// registerCollections adds the hash and sorted-set commands to the table.
func registerCollections() {
	for name, cmd := range map[string]command{
		"hset":      {arity: -4, run: cmdHSet, keys: 1, write: true},
		"hsetnx":    {arity: 4, run: cmdHSet, keys: 1, write: true},
		"hget":      {arity: 3, run: cmdHGet, keys: 1},
		"hmget":     {arity: -3, run: cmdHMGet, keys: 1},
		"hdel":      {arity: -3, run: cmdHDel, keys: 1, write: true},
		"hgetall":   {arity: 2, run: cmdHGetAll, keys: 1},
		"hkeys":     {arity: 2, run: cmdHGetAll, keys: 1},
		"hvals":     {arity: 2, run: cmdHGetAll, keys: 1},
		"hlen":      {arity: 2, run: cmdHGetAll, keys: 1},
		"hexists":   {arity: 3, run: cmdHExists, keys: 1},
		"hincrby":   {arity: 4, run: cmdHIncrBy, keys: 1, write: true},
		"zadd":      {arity: -4, run: cmdZAdd, keys: 1, write: true},
		"zincrby":   {arity: 4, run: cmdZIncrBy, keys: 1, write: true},
		"zrem":      {arity: -3, run: cmdZRem, keys: 1, write: true},
		"zscore":    {arity: 3, run: cmdZScore, keys: 1},
		"zrank":     {arity: 3, run: cmdZRank, keys: 1},
		"zrevrank":  {arity: 3, run: cmdZRank, keys: 1},
		"zcard":     {arity: 2, run: cmdZCard, keys: 1},
		"zrange":    {arity: -4, run: cmdZRange, keys: 1},
		"zrevrange": {arity: -4, run: cmdZRange, keys: 1},
	} {
		commands[name] = cmd
	}
}

// ---------------------------------------------------------------- hashes

func loadHash(e session.KVEntry) (map[string]string, error) {
	h := map[string]string{}
	if !e.Live {
		return h, nil
	}
	if e.Kind != session.KVKindHash {
		return nil, errWrongType
	}
	if err := json.Unmarshal(e.Value, &h); err != nil {
		return nil, Error("ERR key " + printable([]byte(e.Key), 64) + " holds a hash that is not a JSON object of strings (changed through SQL?)")
	}
	return h, nil
}

// putHash is the write storing h (deleting the key when h is empty, as
// Redis does), keeping the key's expiry.
func putHash(e session.KVEntry, h map[string]string) (session.KVWrite, error) {
	if len(h) == 0 {
		return session.KVWrite{Op: session.KVDelete}, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return session.KVWrite{}, err
	}
	return session.KVWrite{Op: session.KVPut, Value: b, Kind: session.KVKindHash, Expires: e.Expires}, nil
}

func utf8Args(args [][]byte) error {
	for _, a := range args {
		if !utf8.Valid(a) {
			return errNotUTF8
		}
	}
	return nil
}

func cmdHSet(c *conn, args [][]byte) error {
	nx := strings.EqualFold(string(args[0]), "hsetnx")
	if len(args)%2 != 0 {
		return Error("ERR wrong number of arguments for '" + strings.ToLower(string(args[0])) + "' command")
	}
	if err := utf8Args(args[2:]); err != nil {
		return err
	}
	added := 0
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		h, err := loadHash(cur[0])
		if err != nil {
			return nil, err
		}
		added = 0
		for i := 2; i < len(args); i += 2 {
			f := string(args[i])
			_, had := h[f]
			if nx && had {
				continue
			}
			if !had {
				added++
			}
			h[f] = string(args[i+1])
		}
		if nx && added == 0 {
			return nil, nil
		}
		w, err := putHash(cur[0], h)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(added)
	return nil
}

// hash reads the hash at key (empty when absent).
func (c *conn) hash(key []byte) (map[string]string, error) {
	e, err := c.get1(string(key))
	if err != nil {
		return nil, err
	}
	return loadHash(e)
}

func cmdHGet(c *conn, args [][]byte) error {
	h, err := c.hash(args[1])
	if err != nil {
		return err
	}
	if v, ok := h[string(args[2])]; ok {
		c.w.WriteBulkString(v)
	} else {
		c.w.WriteNull()
	}
	return nil
}

func cmdHMGet(c *conn, args [][]byte) error {
	h, err := c.hash(args[1])
	if err != nil {
		return err
	}
	c.w.WriteArray(len(args) - 2)
	for _, f := range args[2:] {
		if v, ok := h[string(f)]; ok {
			c.w.WriteBulkString(v)
		} else {
			c.w.WriteNull()
		}
	}
	return nil
}

func cmdHDel(c *conn, args [][]byte) error {
	removed := 0
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		h, err := loadHash(cur[0])
		if err != nil {
			return nil, err
		}
		removed = 0
		for _, f := range args[2:] {
			if _, ok := h[string(f)]; ok {
				delete(h, string(f))
				removed++
			}
		}
		if removed == 0 {
			return nil, nil
		}
		w, err := putHash(cur[0], h)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(removed)
	return nil
}

// cmdHGetAll serves HGETALL, HKEYS, HVALS and HLEN; fields come in
// sorted order.
func cmdHGetAll(c *conn, args [][]byte) error {
	h, err := c.hash(args[1])
	if err != nil {
		return err
	}
	fields := make([]string, 0, len(h))
	for f := range h {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	switch strings.ToLower(string(args[0])) {
	case "hlen":
		c.w.WriteInt(len(h))
	case "hkeys":
		c.w.WriteArray(len(fields))
		for _, f := range fields {
			c.w.WriteBulkString(f)
		}
	case "hvals":
		c.w.WriteArray(len(fields))
		for _, f := range fields {
			c.w.WriteBulkString(h[f])
		}
	default:
		c.w.WriteArray(2 * len(fields))
		for _, f := range fields {
			c.w.WriteBulkString(f)
			c.w.WriteBulkString(h[f])
		}
	}
	return nil
}

func cmdHExists(c *conn, args [][]byte) error {
	h, err := c.hash(args[1])
	if err != nil {
		return err
	}
	_, ok := h[string(args[2])]
	c.w.WriteInt(b2i(ok))
	return nil
}

func cmdHIncrBy(c *conn, args [][]byte) error {
	delta, err := parseInt(args[3])
	if err != nil {
		return errNotInteger
	}
	if err := utf8Args(args[2:3]); err != nil {
		return err
	}
	var out int64
	err = c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		h, err := loadHash(cur[0])
		if err != nil {
			return nil, err
		}
		var n int64
		if v, ok := h[string(args[2])]; ok {
			if n, err = parseInt([]byte(v)); err != nil {
				return nil, Error("ERR hash value is not an integer")
			}
		}
		sum, ok := addInt(n, delta)
		if !ok {
			return nil, errOverflow
		}
		out = sum
		h[string(args[2])] = strconv.FormatInt(sum, 10)
		w, err := putHash(cur[0], h)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	c.w.WriteInt64(out)
	return nil
}

// ---------------------------------------------------------------- sorted sets

type zmember struct {
	member string
	score  float64
}

func loadZSet(e session.KVEntry) (map[string]float64, error) {
	z := map[string]float64{}
	if !e.Live {
		return z, nil
	}
	if e.Kind != session.KVKindZSet {
		return nil, errWrongType
	}
	var raw map[string]any
	if err := json.Unmarshal(e.Value, &raw); err != nil {
		return nil, badZSet(e)
	}
	for m, v := range raw {
		switch x := v.(type) {
		case float64:
			z[m] = x
		case string:
			f, err := parseScore([]byte(x))
			if err != nil {
				return nil, badZSet(e)
			}
			z[m] = f
		default:
			return nil, badZSet(e)
		}
	}
	return z, nil
}

func badZSet(e session.KVEntry) error {
	return Error("ERR key " + printable([]byte(e.Key), 64) + " holds a sorted set that is not a JSON object of scores (changed through SQL?)")
}

func putZSet(e session.KVEntry, z map[string]float64) (session.KVWrite, error) {
	if len(z) == 0 {
		return session.KVWrite{Op: session.KVDelete}, nil
	}
	raw := make(map[string]any, len(z))
	for m, f := range z {
		if math.IsInf(f, 0) {
			raw[m] = formatScore(f)
		} else {
			raw[m] = f
		}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return session.KVWrite{}, err
	}
	return session.KVWrite{Op: session.KVPut, Value: b, Kind: session.KVKindZSet, Expires: e.Expires}, nil
}

// parseScore parses a score as Redis does: a float, or inf/+inf/-inf.
func parseScore(b []byte) (float64, error) {
	switch strings.ToLower(string(b)) {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	f, err := parseFloat(b)
	if err != nil {
		return 0, errNotFloat
	}
	return f, nil
}

func formatScore(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// sorted returns the members by score, then member.
func sorted(z map[string]float64) []zmember {
	out := make([]zmember, 0, len(z))
	for m, f := range z {
		out = append(out, zmember{m, f})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		return out[i].member < out[j].member
	})
	return out
}

func cmdZAdd(c *conn, args [][]byte) error {
	var nx, xx, gt, lt, ch, incr bool
	i := 2
opts:
	for ; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		case "ch":
			ch = true
		case "incr":
			incr = true
		default:
			break opts
		}
	}
	pairs := args[i:]
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return errSyntax
	}
	if nx && xx {
		return Error("ERR XX and NX options at the same time are not compatible")
	}
	if (gt && lt) || (nx && (gt || lt)) {
		return Error("ERR GT, LT, and/or NX options at the same time are not compatible")
	}
	if incr && len(pairs) != 2 {
		return Error("ERR INCR option supports a single increment-element pair")
	}
	scores := make([]float64, 0, len(pairs)/2)
	for j := 0; j < len(pairs); j += 2 {
		f, err := parseScore(pairs[j])
		if err != nil {
			return err
		}
		if !utf8.Valid(pairs[j+1]) {
			return errNotUTF8
		}
		scores = append(scores, f)
	}
	count := 0
	var result *float64
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		z, err := loadZSet(cur[0])
		if err != nil {
			return nil, err
		}
		count, result = 0, nil
		changed := false
		for j := 0; j < len(pairs); j += 2 {
			m, f := string(pairs[j+1]), scores[j/2]
			old, had := z[m]
			if (nx && had) || (xx && !had) {
				continue
			}
			if incr && had {
				f += old
				if math.IsNaN(f) {
					return nil, Error("ERR resulting score is not a number (NaN)")
				}
			}
			if had && ((gt && f <= old) || (lt && f >= old)) {
				continue
			}
			if !had {
				count++
			} else if f != old && ch {
				count++
			}
			if !had || f != old {
				changed = true
			}
			z[m] = f
			r := f
			result = &r
		}
		if !changed {
			return nil, nil
		}
		w, err := putZSet(cur[0], z)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	if incr {
		if result == nil {
			c.w.WriteNull()
		} else {
			c.w.WriteBulkString(formatScore(*result))
		}
		return nil
	}
	c.w.WriteInt(count)
	return nil
}

func cmdZIncrBy(c *conn, args [][]byte) error {
	delta, err := parseScore(args[2])
	if err != nil {
		return err
	}
	if !utf8.Valid(args[3]) {
		return errNotUTF8
	}
	var out float64
	err = c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		z, err := loadZSet(cur[0])
		if err != nil {
			return nil, err
		}
		out = z[string(args[3])] + delta
		if math.IsNaN(out) {
			return nil, Error("ERR resulting score is not a number (NaN)")
		}
		z[string(args[3])] = out
		w, err := putZSet(cur[0], z)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	c.w.WriteBulkString(formatScore(out))
	return nil
}

func cmdZRem(c *conn, args [][]byte) error {
	removed := 0
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		z, err := loadZSet(cur[0])
		if err != nil {
			return nil, err
		}
		removed = 0
		for _, m := range args[2:] {
			if _, ok := z[string(m)]; ok {
				delete(z, string(m))
				removed++
			}
		}
		if removed == 0 {
			return nil, nil
		}
		w, err := putZSet(cur[0], z)
		return []session.KVWrite{w}, err
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(removed)
	return nil
}

func (c *conn) zset(key []byte) (map[string]float64, error) {
	e, err := c.get1(string(key))
	if err != nil {
		return nil, err
	}
	return loadZSet(e)
}

func cmdZScore(c *conn, args [][]byte) error {
	z, err := c.zset(args[1])
	if err != nil {
		return err
	}
	if f, ok := z[string(args[2])]; ok {
		c.w.WriteBulkString(formatScore(f))
	} else {
		c.w.WriteNull()
	}
	return nil
}

func cmdZRank(c *conn, args [][]byte) error {
	z, err := c.zset(args[1])
	if err != nil {
		return err
	}
	s := sorted(z)
	for i, m := range s {
		if m.member == string(args[2]) {
			if strings.EqualFold(string(args[0]), "zrevrank") {
				i = len(s) - 1 - i
			}
			c.w.WriteInt(i)
			return nil
		}
	}
	c.w.WriteNull()
	return nil
}

func cmdZCard(c *conn, args [][]byte) error {
	z, err := c.zset(args[1])
	if err != nil {
		return err
	}
	c.w.WriteInt(len(z))
	return nil
}

// cmdZRange serves ZRANGE key start stop [REV] [WITHSCORES] by rank, and
// ZREVRANGE (BYSCORE and BYLEX are not offered yet).
func cmdZRange(c *conn, args [][]byte) error {
	start, err1 := parseInt(args[2])
	stop, err2 := parseInt(args[3])
	if err1 != nil || err2 != nil {
		return errNotInteger
	}
	rev := strings.EqualFold(string(args[0]), "zrevrange")
	withScores := false
	for _, a := range args[4:] {
		switch strings.ToLower(string(a)) {
		case "rev":
			rev = true
		case "withscores":
			withScores = true
		case "byscore", "bylex", "limit":
			return Error("ERR ZRANGE " + strings.ToUpper(string(a)) + " is not supported yet")
		default:
			return errSyntax
		}
	}
	z, err := c.zset(args[1])
	if err != nil {
		return err
	}
	s := sorted(z)
	if rev {
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	}
	n := int64(len(s))
	if start < 0 {
		start = max(n+start, 0)
	}
	if stop < 0 {
		stop = n + stop
	}
	stop = min(stop, n-1)
	if start > stop || start >= n {
		c.w.WriteArray(0)
		return nil
	}
	part := s[start : stop+1]
	if withScores {
		c.w.WriteArray(2 * len(part))
	} else {
		c.w.WriteArray(len(part))
	}
	for _, m := range part {
		c.w.WriteBulkString(m.member)
		if withScores {
			c.w.WriteBulkString(formatScore(m.score))
		}
	}
	return nil
}
