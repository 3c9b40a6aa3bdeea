package ast

// CreateChangeStream is CREATE CHANGE STREAM [IF NOT EXISTS] name ON
// collection|* [WITH (k = v, ...)]. Collection is "*" for every collection.
type CreateChangeStream struct {
	Pos         int
	Name        string
	Collection  string
	IfNotExists bool
	With        []Option
}

// DropChangeStream is DROP CHANGE STREAM [IF EXISTS] name.
type DropChangeStream struct {
	Pos      int
	Name     string
	IfExists bool
}

// CreateConsumerGroup is CREATE CONSUMER GROUP [IF NOT EXISTS] g ON stream.
type CreateConsumerGroup struct {
	Pos         int
	Name        string
	Stream      string
	IfNotExists bool
}

// DropConsumerGroup is DROP CONSUMER GROUP [IF EXISTS] g ON stream.
type DropConsumerGroup struct {
	Pos      int
	Name     string
	Stream   string
	IfExists bool
}

// CommitOffset is COMMIT OFFSET PARTITION p AT lsn ON stream CONSUMER GROUP
// g, and (All) COMMIT OFFSETS ON stream CONSUMER GROUP g.
type CommitOffset struct {
	Pos       int
	Stream    string
	Group     string
	All       bool
	Partition Expr // nil when All
	LSN       Expr // nil when All
}

// AlterConsumerGroup is ALTER CONSUMER GROUP g ON s SET OFFSET TO
// EARLIEST | LATEST | TIMESTAMP 'ts' | LSN n [PARTITION p].
type AlterConsumerGroup struct {
	Pos       int
	Name      string
	Stream    string
	To        string // "EARLIEST", "LATEST", "TIMESTAMP", "LSN"
	Value     Expr   // the timestamp or LSN; nil for EARLIEST/LATEST
	Partition Expr   // nil: every partition
}

// ShowStreamInfo is SHOW CHANGE STREAMS, SHOW CONSUMER GROUPS ON s and SHOW
// PARTITIONS ON s [CONSUMER GROUP g].
type ShowStreamInfo struct {
	Pos    int
	What   string // "streams", "groups", "partitions"
	Stream string
	Group  string
}

// ShowChanges is SHOW CHANGES FOR collection [SINCE 'timestamp' | SINCE LSN
// n] [LIMIT n]: the collection's committed changes from the change log.
type ShowChanges struct {
	Pos        int
	Collection string
	Since      Expr // a timestamp string, or nil
	SinceLSN   Expr // an LSN, or nil
	Limit      Expr
}

// Listen is LISTEN channel.
type Listen struct {
	Pos     int
	Channel string
}

// Unlisten is UNLISTEN channel | *.
type Unlisten struct {
	Pos     int
	Channel string // "*" for every channel
}

// Notify is NOTIFY channel [, 'payload'].
type Notify struct {
	Pos     int
	Channel string
	Payload string
}

// LiveSelect is LIVE SELECT <items> FROM collection [WHERE ...]: a
// subscription that pushes matching committed changes to the session.
type LiveSelect struct {
	Pos   int
	Query *Select
}

// CancelLive is CANCEL LIVE SELECT <subscription id>.
type CancelLive struct {
	Pos int
	ID  string
}

// CreateTopic is CREATE TOPIC [IF NOT EXISTS] name [WITH (RETENTION = ...)].
type CreateTopic struct {
	Pos         int
	Name        string
	IfNotExists bool
	With        []Option
}

// DropTopic is DROP TOPIC [IF EXISTS] name.
type DropTopic struct {
	Pos      int
	Name     string
	IfExists bool
}

// Publish is PUBLISH TO topic 'payload'.
type Publish struct {
	Pos     int
	Topic   string
	Payload string
	Param   int // PUBLISH TO t $n: the payload is parameter n (1-based); 0: Payload
}

func (*CreateTopic) stmt()         {}
func (*DropTopic) stmt()           {}
func (*Publish) stmt()             {}
func (*LiveSelect) stmt()          {}
func (*CancelLive) stmt()          {}
func (*Listen) stmt()              {}
func (*Unlisten) stmt()            {}
func (*Notify) stmt()              {}
func (*ShowChanges) stmt()         {}
func (*CreateChangeStream) stmt()  {}
func (*DropChangeStream) stmt()    {}
func (*CreateConsumerGroup) stmt() {}
func (*DropConsumerGroup) stmt()   {}
func (*CommitOffset) stmt()        {}
func (*AlterConsumerGroup) stmt()  {}
func (*ShowStreamInfo) stmt()      {}
func (*AlterChangeStream) stmt()   {}
func (*DeadLetters) stmt()         {}

// AlterChangeStream is ALTER CHANGE STREAM s SET (k = v, ...) | PAUSE |
// RESUME.
type AlterChangeStream struct {
	Pos    int
	Name   string
	Action string // "set", "pause", "resume"
	Set    []Option
}

// DeadLetters is SHOW | REPLAY | PURGE DEAD LETTERS FOR STREAM s.
type DeadLetters struct {
	Pos    int
	Action string // "show", "replay", "purge"
	Stream string
}
