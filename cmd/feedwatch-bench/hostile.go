package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/bench"
)

// runHostile measures each hostile document alone, then eight of them at
// once (fetch.concurrency 8), each in a child process for its peak RSS.
func runHostile(out io.Writer) int {
	fmt.Fprintf(out, "hostile inputs: each just under %d MiB, polled with the shipped rules\n\n", (bench.HostileSize>>20)+1)
	fmt.Fprintf(out, "%-45s  %9s  %9s  %9s  %s\n", "case", "time", "peak RSS", "harness", "outcome")
	cases := make([]string, 0, len(bench.HostileFeeds)+1)
	for i := range bench.HostileFeeds {
		cases = append(cases, strconv.Itoa(i))
	}
	cases = append(cases, "all")
	for _, c := range cases {
		got, err := exec.Command(os.Args[0], "-child=hostile-"+c).Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "child hostile-%s: %v\n", c, err)
			return 1
		}
		fmt.Fprint(out, string(got))
	}
	return 0
}

// childHostile polls one case ("all": eight documents, the cases in turn)
// and prints a table row with the process's peak RSS.
func childHostile(which string) int {
	var bodies [][]byte
	name := "eight at once (1,2,3,4 twice), concurrency 8"
	if which == "all" {
		for _, i := range []int{1, 2, 3, 4, 1, 2, 3, 4} { // the ones read, not refused
			bodies = append(bodies, bench.HostileFeeds[i].Body())
		}
	} else {
		i, err := strconv.Atoi(which)
		if err != nil || i < 0 || i >= len(bench.HostileFeeds) {
			return 2
		}
		name = bench.HostileFeeds[i].Name
		bodies = [][]byte{bench.HostileFeeds[i].Body()}
	}
	rules, err := bench.ShippedRules()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "feedwatch-hostile")
	if err != nil {
		return 1
	}
	defer os.RemoveAll(dir)
	harness := procStatus("VmHWM") >> 10 // the documents themselves, held to be served
	took, failed, err := bench.HostilePass(bodies, rules, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	outcome := fmt.Sprintf("%d of %d feeds read", len(bodies)-len(failed), len(bodies))
	for _, e := range failed {
		outcome += "; " + firstLine(e.Error())
		if which != "all" {
			break
		}
	}
	fmt.Printf("%-45s  %9s  %6d MB  %6d MB  %s\n", name, took.Round(10*time.Millisecond), procStatus("VmHWM")>>10, harness, outcome)
	return 0
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
