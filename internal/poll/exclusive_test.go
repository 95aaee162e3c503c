package poll

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestExclusiveSkipsABusyKeyAndRecoversPanics(t *testing.T) {
	e := NewExclusive(slog.New(slog.NewTextHandler(io.Discard, nil)), "poll", "feed")
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := e.Run("wire", func() error { close(started); <-release; return nil })
		done <- err
	}()
	<-started
	if ran, _ := e.Run("wire", func() error { t.Error("ran while the key was busy"); return nil }); ran {
		t.Error("a second job of a busy key ran")
	}
	if ran, err := e.Run("other", func() error { return nil }); !ran || err != nil {
		t.Errorf("another key: ran %v, %v", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ran, err := e.Run("wire", func() error { panic("bad feed") }); !ran || !errors.Is(err, ErrPanic) || !strings.Contains(err.Error(), "bad feed") {
		t.Errorf("a panicking job: ran %v, err %v", ran, err)
	}
	if ran, _ := e.Run("wire", func() error { return nil }); !ran {
		t.Error("the key stayed busy after a panic")
	}
}
