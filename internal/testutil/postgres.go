package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PostgresEnv names the variable holding a PostgreSQL URL the tests may
// use (scripts/pg-throwaway.sh sets it; .ci/run does).
const PostgresEnv = "FEEDWATCH_TEST_POSTGRES"

// Postgres returns the URL of an empty PostgreSQL schema of the test's
// own (a schema per test, on search_path, dropped at cleanup), or skips
// the test, saying why, when FEEDWATCH_TEST_POSTGRES is not set.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set: no PostgreSQL to test on (scripts/pg-throwaway.sh starts one)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := fmt.Sprintf("t_%x", b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("%s: create a schema for the test: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop the test's schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
