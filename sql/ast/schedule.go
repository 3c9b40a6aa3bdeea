package ast

// CreateSchedule is CREATE SCHEDULE [IF NOT EXISTS] name CRON 'expr'
// [WITH (ALLOW_OVERLAP = b, MISSED = SKIP | CATCH_UP)] AS BEGIN ... END
// (or AS $$ ... $$).
type CreateSchedule struct {
	Pos         int
	Name        string
	IfNotExists bool
	Cron        string
	With        []Option
	Body        string // a block: [DECLARE ...] BEGIN ... END
	Block       *Block
}

// AlterSchedule is ALTER SCHEDULE name ENABLE | DISABLE | SET CRON 'expr'.
type AlterSchedule struct {
	Pos    int
	Name   string
	Action string // "enable", "disable", "cron"
	Cron   string
}

// DropSchedule is DROP SCHEDULE [IF EXISTS] name.
type DropSchedule struct {
	Pos      int
	Name     string
	IfExists bool
}

// ShowSchedules is SHOW SCHEDULES, and (History set) SHOW SCHEDULE HISTORY
// name.
type ShowSchedules struct {
	Pos     int
	History string
}

func (*CreateSchedule) stmt() {}
func (*AlterSchedule) stmt()  {}
func (*DropSchedule) stmt()   {}
func (*ShowSchedules) stmt()  {}
