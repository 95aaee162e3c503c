// Package fakeslack is a recording fake of the Slack Web API and incoming
// webhooks for tests: it records every post and answers with queued
// responses (429 with Retry-After, 5xx, ok:false errors, slow answers)
// before falling back to success.
package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Post is one request the fake received.
type Post struct {
	Path        string // "/chat.postMessage" or "/webhook"
	Channel     string
	Text        string
	Blocks      string // raw JSON
	Unfurl      string // unfurl_links as sent
	ThreadTS    string // thread_ts as sent: a reply to that post
	TS          string // the ts answered for an accepted post
	Token       string // token sent, from the Authorization header or the form
	At          time.Time
	Answered    int    // HTTP status answered; 0 when the client gave up first
	AnsweredErr string // ok:false error answered, if any
	Refused     string // why the blocks broke one of Slack's limits (answered invalid_blocks)
}

// Response is a queued answer.
type Response struct {
	Status     int           // 0 means 200
	RetryAfter int           // seconds, sent with 429
	Error      string        // ok:false with this error
	Delay      time.Duration // wait before answering
}

// Server is the fake.
type Server struct {
	*httptest.Server
	mu           sync.Mutex
	posts        []Post
	queue        map[string][]Response // by channel ("" for any)
	ts           int
	refused      string        // an auth error every call answers (RefuseToken)
	slow         time.Duration // every answer waits this long (Slow)
	jitter       time.Duration // and up to this much more, at random (SlowUpTo)
	chans        []Channel     // what conversations.list answers (SetChannels)
	missingScope string        // conversations.* answer missing_scope naming it (MissingScope)
	socket       socket        // the Socket Mode stand-in (socket.go)
}

// New starts a fake closed when the test ends. Its API base URL is
// URL + "/"; its webhook URL is URL + "/webhook".
func New(t testing.TB) *Server {
	s := &Server{queue: map[string][]Response{}, socket: newSocket()}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

// Queue makes the next posts to channel ("" for any channel) get these
// answers, in order.
func (s *Server) Queue(channel string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue[channel] = append(s.queue[channel], rs...)
}

// Posts returns every request received so far, answered or not.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Accepted returns the posts answered with success.
func (s *Server) Accepted() []Post {
	var out []Post
	for _, p := range s.Posts() {
		if p.Answered == http.StatusOK && p.AnsweredErr == "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if s.socketRoute(w, r) {
		return
	}
	p := Post{Path: r.URL.Path, Token: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), At: time.Now()}
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/auth.test":
		s.authTest(w)
		return
	case "/conversations.list", "/conversations.info":
		s.conversations(w, r.URL.Path, body)
		return
	case "/chat.postMessage":
		readPostMessage(&p, r.Header.Get("Content-Type"), body)
	case "/webhook":
		readWebhook(&p, body)
	default:
		http.NotFound(w, r)
		return
	}
	resp, index := s.record(p)
	if resp.Delay > 0 {
		select {
		case <-time.After(resp.Delay):
		case <-r.Context().Done():
			s.mu.Lock()
			s.posts[index].Answered, s.posts[index].TS = 0, "" // the client gave up: no answer
			s.mu.Unlock()
			return
		}
	}
	s.answer(w, r.URL.Path, resp, s.Posts()[index])
}

// Slow makes every post wait d before it is answered, on top of any
// queued delay: a slow Slack, so that a test can stop a process mid-post.
func (s *Server) Slow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = d
}

// SlowUpTo makes every post wait a random time up to d before it is
// answered: a Slack whose answers take 0–d.
func (s *Server) SlowUpTo(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jitter = d
}

// Channel is a channel the fake workspace has.
type Channel struct {
	ID, Name                  string
	Member, Archived, Private bool
}

// MissingScope makes conversations.list and .info answer missing_scope
// naming scope, as Slack does for a token without channels:read.
func (s *Server) MissingScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missingScope = scope
}

// SetChannels sets the channels conversations.list and .info know.
func (s *Server) SetChannels(chans ...Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chans = chans
}

func (s *Server) conversations(w http.ResponseWriter, path string, body []byte) {
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	chans := append([]Channel(nil), s.chans...)
	s.mu.Unlock()
	render := func(c Channel) map[string]any {
		return map[string]any{"id": c.ID, "name": c.Name, "is_member": c.Member, "is_archived": c.Archived, "is_channel": true, "is_private": c.Private}
	}
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	missing := s.missingScope
	s.mu.Unlock()
	if missing != "" { // a token without the scopes the manifest leaves out
		fmt.Fprintf(w, `{"ok":false,"error":"missing_scope","needed":%q,"provided":"chat:write,chat:write.public"}`, missing)
		return
	}
	if path == "/conversations.info" {
		for _, c := range chans {
			if c.ID == form.Get("channel") {
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": render(c)})
				return
			}
		}
		fmt.Fprint(w, `{"ok":false,"error":"channel_not_found"}`)
		return
	}
	list := []map[string]any{}
	for _, c := range chans {
		list = append(list, render(c))
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channels": list, "response_metadata": map[string]any{"next_cursor": ""}})
}

// RefuseToken makes auth.test and every post answer ok:false with err
// ("invalid_auth"); "" accepts the token again.
func (s *Server) RefuseToken(err string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = err
}

func (s *Server) authTest(w http.ResponseWriter) {
	s.mu.Lock()
	refused := s.refused
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if refused != "" {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, refused)
		return
	}
	fmt.Fprint(w, `{"ok":true,"url":"https://fake.slack.com/","team":"Fake","user":"feedwatch","team_id":"T1","user_id":"U1"}`)
}

// readPostMessage reads chat.postMessage's form or JSON arguments.
func readPostMessage(p *Post, contentType string, body []byte) {
	form, _ := url.ParseQuery(string(body))
	if contentType == "application/json" {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		form = url.Values{}
		for k, v := range m {
			if b, err := json.Marshal(v); err == nil {
				if s, ok := v.(string); ok {
					form.Set(k, s)
				} else {
					form.Set(k, string(b))
				}
			}
		}
	}
	p.Channel, p.Text, p.Blocks, p.Unfurl = form.Get("channel"), form.Get("text"), form.Get("blocks"), form.Get("unfurl_links")
	p.ThreadTS = form.Get("thread_ts")
	if tok := form.Get("token"); tok != "" {
		p.Token = tok
	}
}

func readWebhook(p *Post, body []byte) {
	var m struct {
		Text        string          `json:"text"`
		Blocks      json.RawMessage `json:"blocks"`
		UnfurlLinks *bool           `json:"unfurl_links"`
	}
	_ = json.Unmarshal(body, &m)
	p.Text, p.Blocks = m.Text, string(m.Blocks)
	if m.UnfurlLinks != nil {
		p.Unfurl = strconv.FormatBool(*m.UnfurlLinks)
	}
}

// record takes the next queued answer for p and records p with it.
func (s *Server) record(p Post) (Response, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := Response{}
	if s.refused != "" && p.Path == "/chat.postMessage" {
		resp.Error = s.refused
	}
	for _, key := range []string{p.Channel, ""} {
		if resp.Error != "" {
			break
		}
		if q := s.queue[key]; len(q) > 0 {
			resp, s.queue[key] = q[0], q[1:]
			break
		}
	}
	if resp.Error == "" && resp.Status == 0 {
		if why := BlockLimits(p.Blocks); why != "" {
			resp.Error, p.Refused = "invalid_blocks", why
		} else if len([]rune(p.Text)) > 40000 {
			resp.Error = "msg_too_long"
		}
	}
	s.ts++
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	p.Answered, p.AnsweredErr = resp.Status, resp.Error
	if resp.Status == http.StatusOK && resp.Error == "" {
		p.TS = fmt.Sprintf("1700000000.%06d", s.ts)
	}
	resp.Delay += s.slow
	if s.jitter > 0 {
		resp.Delay += rand.N(s.jitter)
	}
	s.posts = append(s.posts, p)
	return resp, len(s.posts) - 1
}

func (s *Server) answer(w http.ResponseWriter, path string, resp Response, p Post) {
	if resp.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(resp.RetryAfter))
	}
	if resp.Status != http.StatusOK {
		w.WriteHeader(resp.Status)
		fmt.Fprint(w, "error")
		return
	}
	if path == "/webhook" {
		fmt.Fprint(w, "ok")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if resp.Error != "" {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, resp.Error)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, p.TS)
}

// BlockText returns every "text" string in the post's blocks, decoded,
// one per line: what a reader of the message sees (as mrkdwn).
func (p Post) BlockText() string {
	var v any
	if err := json.Unmarshal([]byte(p.Blocks), &v); err != nil {
		return ""
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				out = append(out, s)
			}
			for k, c := range v {
				if k != "text" || !isString(c) {
					walk(c)
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

func isString(v any) bool { _, ok := v.(string); return ok }
