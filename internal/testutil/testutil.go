// Package testutil holds helpers shared by feedwatch's tests.
package testutil

import (
	"testing"
	"time"
)

// Eventually waits until cond holds, checking every 10 ms, and fails the
// test naming what it waited for if within has passed first.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
