package oracle

import "testing"

// cursorScript: DECLARE, FETCH in every direction, MOVE, CLOSE, WITH HOLD
// across a commit and a rollback, NO SCROLL, with PostgreSQL's answers.
var cursorScript = []string{
	`create table cu (id int primary key, v text)`,
	`insert into cu select g, 'v' || g from generate_series(1, 6) g`,
	`declare c cursor for select * from cu order by id`,
	`begin`,
	`declare c cursor for select * from cu order by id`,
	`fetch 2 from c`,
	`fetch next from c`,
	`fetch forward 2 in c`,
	`move forward 1 in c`,
	`fetch all from c`,
	`fetch prior from c`,
	`fetch absolute 2 from c`,
	`fetch relative -1 from c`,
	`fetch last from c`,
	`fetch backward 2 from c`,
	`fetch backward all from c`,
	`fetch first from c`,
	`fetch 0 from c`,
	`declare c cursor for select 1`,
	`declare d no scroll cursor for select id from cu order by id`,
	`fetch 2 from d`,
	`fetch prior from d`,
	`rollback`,
	`fetch 1 from c`,
	`begin`,
	`declare h cursor with hold for select id from cu where id > 4 order by id`,
	`insert into cu values (7, 'x')`,
	`commit`,
	`fetch all from h`,
	`close h`,
	`close h`,
	`declare h2 cursor with hold for select count(*) from cu`,
	`fetch h2`,
	`begin`,
	`declare h3 cursor with hold for select 1`,
	`rollback`,
	`fetch h3`,
	`close all`,
	`fetch h2`,
	`begin`,
	`declare s scroll cursor for select id from cu where id < 0`,
	`fetch s`,
	`fetch last from s`,
	`commit`,
}

func TestOracleCursors(t *testing.T) { compareScriptMessages(t, cursorScript) }
