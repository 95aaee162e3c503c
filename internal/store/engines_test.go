package store

import (
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/testutil"
)

// forEachEngine runs test on SQLite and on PostgreSQL (skipped, saying
// why, without FEEDWATCH_TEST_POSTGRES): one suite, two engines. target
// is a new, empty database of the engine: a file path or a URL.
func forEachEngine(t *testing.T, test func(t *testing.T, target string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, filepath.Join(t.TempDir(), "fw.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, testutil.Postgres(t))
	})
}

// failInserts makes every insert into table fail with msg, as a full disk
// would, on either engine.
func failInserts(t *testing.T, s *Store, table, msg string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER no_more BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, '` + msg + `'); END`}
	if s.db.pg {
		stmts = []string{
			`CREATE FUNCTION no_more() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '` + msg + `'; END $$`,
			`CREATE TRIGGER no_more BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION no_more()`,
		}
	}
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}
