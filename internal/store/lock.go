package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrInUse is returned by Lock when another process writes the database.
var ErrInUse = errors.New("database in use")

// Lock makes this process the one writer of the database at path, for as
// long as it runs: an exclusive lock on path + ".lock", which the system
// releases when the process ends, however it ends (kill -9 included).
// Two writers would both post every alert, so a second `run` or `once` on
// a database in use is refused, naming the holder. what names this process
// in that message ("run", "once"). The lock is next to the database's real
// path, so a path through a symbolic link (to the file or a folder above
// it) takes the same lock.
func Lock(path, what string) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil { // so that a link to it resolves
		f.Close()
	}
	real, err := realPath(path)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	lockPath := real + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(lockPath)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%w: %s is written by %s; one feedwatch at a time may write a database (stop it, or give this one another storage.path)", ErrInUse, path, who)
		}
		return nil, fmt.Errorf("lock database: %w", err)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	fmt.Fprintf(f, "feedwatch %s (pid %d on %s, since %s)\n", what, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	f.Sync()
	return func() {
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// realPath is path with every symbolic link resolved: of the file itself
// when it exists, else of its folder.
func realPath(path string) (string, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(path)), nil
}

// Holder says whether a process holds the database's lock now, and which
// ("feedwatch run (pid 42 on host, since …)"): status tells a running
// daemon from a database that once or an old run left.
func Holder(path string) (who string, held bool) {
	real, err := realPath(path)
	if err != nil {
		return "", false
	}
	f, err := os.Open(real + ".lock")
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return "", false
	}
	text, _ := os.ReadFile(real + ".lock")
	return strings.TrimSpace(string(text)), true
}
