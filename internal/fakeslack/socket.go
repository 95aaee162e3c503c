package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The Socket Mode stand-in: apps.connections.open answers a ws:// URL on
// this server; /ws upgrades (any Origin: slack-go sends api.slack.com's),
// says hello and pings; Send writes envelopes and the acks are recorded
// with how long they took. chat.update, chat.postEphemeral, response
// URLs, conversations.members and usergroups.users.list are recorded or
// answered from what the test set.

// AppToken is the app-level token the stand-in accepts.
const AppToken = "xapp-1-test"

// Ack is an envelope's acknowledgement, as the client sent it.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	After      time.Duration // from the envelope sent to its ack
}

// socket is the stand-in's Socket Mode state.
type socket struct {
	opens      int             // apps.connections.open calls
	refuseApp  string          // an error apps.connections.open answers
	conn       *websocket.Conn // the socket in use
	hellos     int             // sockets that were said hello to
	sent       map[string]time.Time
	acks       []Ack
	members    map[string][]string // channel → members
	groups     map[string][]string // user group → members
	wmu        sync.Mutex          // one writer on conn
	changed    chan struct{}       // closed and replaced on every change, for waiting
	responseNo int
	slowReply  time.Duration // chat.update and the others wait this long (SlowReplies)
}

// SlowReplies makes chat.update, chat.postEphemeral and response URLs
// answer after d: an action still in hand when the process is stopped.
func (s *Server) SlowReplies(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.slowReply = d
}

func newSocket() socket {
	return socket{changed: make(chan struct{}), sent: map[string]time.Time{}, members: map[string][]string{}, groups: map[string][]string{}}
}

// notify wakes waiters; s.mu is held.
func (s *Server) notify() {
	close(s.socket.changed)
	s.socket.changed = make(chan struct{})
}

// waitFor waits until cond (called with s.mu held) holds, or fails t.
func (s *Server) waitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.After(within)
	for {
		s.mu.Lock()
		ok, ch := cond(), s.socket.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("fakeslack: waited %s for %s", within, what)
		}
	}
}

// socketRoute serves the Socket Mode paths; false for any other.
func (s *Server) socketRoute(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == "/apps.connections.open":
		s.open(w, r)
	case r.URL.Path == "/ws":
		s.upgrade(w, r)
	case r.URL.Path == "/chat.update", r.URL.Path == "/chat.postEphemeral", strings.HasPrefix(r.URL.Path, "/resp/"):
		s.recordReply(w, r)
	case r.URL.Path == "/conversations.members", r.URL.Path == "/usergroups.users.list":
		s.listMembers(w, r)
	default:
		return false
	}
	return true
}

func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sk := &s.socket
	sk.opens++
	refused := sk.refuseApp
	s.notify()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); tok != AppToken && refused == "" {
		refused = "invalid_auth"
	}
	if refused != "" {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, refused)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/ws"}`, r.Host)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	sk := &s.socket
	if sk.conn != nil {
		sk.conn.Close() // one socket at a time: Slack sends each envelope to one
	}
	sk.conn = conn
	s.mu.Unlock()
	if err := s.write(conn, map[string]any{"type": "hello", "num_connections": 1}); err != nil {
		return
	}
	s.mu.Lock()
	sk.hellos++
	s.notify()
	s.mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	go s.ping(conn, stop)
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		sk.acks = append(sk.acks, Ack{ack.EnvelopeID, ack.Payload, time.Since(sk.sent[ack.EnvelopeID])})
		s.notify()
		s.mu.Unlock()
	}
}

// ping keeps the client's watchdog fed, as Slack does.
func (s *Server) ping(conn *websocket.Conn, stop chan struct{}) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.socket.wmu.Lock()
			err := conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
			s.socket.wmu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (s *Server) write(conn *websocket.Conn, v any) error {
	s.socket.wmu.Lock()
	defer s.socket.wmu.Unlock()
	return conn.WriteJSON(v)
}

// WaitConnected waits until n sockets in all were opened and said hello
// to.
func (s *Server) WaitConnected(t testing.TB, n int) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("socket %d to connect", n), 10*time.Second, func() bool { return s.socket.hellos >= n })
}

// Opens is how many times apps.connections.open was called.
func (s *Server) Opens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket.opens
}

// WaitOpens waits until apps.connections.open was called n times.
func (s *Server) WaitOpens(t testing.TB, n int) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d apps.connections.open calls", n), 10*time.Second, func() bool { return s.socket.opens >= n })
}

// RefuseAppToken makes apps.connections.open answer ok:false with err;
// "" accepts the app token again.
func (s *Server) RefuseAppToken(err string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.refuseApp = err
}

// Send writes envelope id to the socket in use: typ "interactive" or
// "slash_commands", with payload.
func (s *Server) Send(t testing.TB, id, typ string, payload any) {
	t.Helper()
	s.mu.Lock()
	sk := &s.socket
	conn := sk.conn
	sk.sent[id] = time.Now()
	s.mu.Unlock()
	if conn == nil {
		t.Fatal("fakeslack: no socket to send on")
	}
	env := map[string]any{"type": typ, "envelope_id": id, "payload": payload, "accepts_response_payload": typ == "slash_commands"}
	if err := s.write(conn, env); err != nil {
		t.Fatalf("fakeslack: send %s: %v", id, err)
	}
}

// Disconnect asks the client to reconnect, as Slack does before it
// cycles a socket (reason "refresh_requested", "warning"…).
func (s *Server) Disconnect(t testing.TB, reason string) {
	t.Helper()
	s.mu.Lock()
	conn := s.socket.conn
	s.mu.Unlock()
	if err := s.write(conn, map[string]any{"type": "disconnect", "reason": reason}); err != nil {
		t.Fatalf("fakeslack: disconnect: %v", err)
	}
}

// Drop closes the socket without a word, as a network failure does.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.socket.conn; c != nil {
		c.Close()
	}
}

// WaitAck waits for the ack of envelope id and returns it.
func (s *Server) WaitAck(t testing.TB, id string) Ack {
	t.Helper()
	var got Ack
	s.waitFor(t, "the ack of "+id, 10*time.Second, func() bool {
		for _, a := range s.socket.acks {
			if a.EnvelopeID == id {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// Acks returns every ack received so far.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.socket.acks...)
}

// Replies returns the chat.update, chat.postEphemeral and response-URL
// requests received so far (Path says which).
func (s *Server) Replies() []Post {
	var out []Post
	for _, p := range s.Posts() {
		if p.Path == "/chat.update" || p.Path == "/chat.postEphemeral" || strings.HasPrefix(p.Path, "/resp/") {
			out = append(out, p)
		}
	}
	return out
}

// WaitReplies waits until n replies (Replies) were received.
func (s *Server) WaitReplies(t testing.TB, n int) []Post {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d replies", n), 10*time.Second, func() bool {
		k := 0
		for _, p := range s.posts {
			if p.Path == "/chat.update" || p.Path == "/chat.postEphemeral" || strings.HasPrefix(p.Path, "/resp/") {
				k++
			}
		}
		return k >= n
	})
	return s.Replies()
}

// ResponseURL is a response URL the stand-in records posts to.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.responseNo++
	return fmt.Sprintf("%s/resp/%d", s.URL, s.socket.responseNo)
}

func (s *Server) recordReply(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	slow := s.socket.slowReply
	s.mu.Unlock()
	time.Sleep(slow)
	p := Post{Path: r.URL.Path, Token: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), At: time.Now(), Answered: http.StatusOK}
	if strings.HasPrefix(r.URL.Path, "/resp/") {
		readWebhook(&p, body)
	} else {
		readPostMessage(&p, r.Header.Get("Content-Type"), body)
		form, _ := url.ParseQuery(string(body))
		p.TS, p.ThreadTS = form.Get("ts"), form.Get("user") // chat.update's ts; postEphemeral's user
	}
	if why := BlockLimits(p.Blocks); why != "" {
		p.AnsweredErr, p.Refused = "invalid_blocks", why
	}
	s.mu.Lock()
	s.posts = append(s.posts, p)
	s.notify()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if p.AnsweredErr != "" {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, p.AnsweredErr)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, p.TS)
}

// SetMembers sets who is in a channel (conversations.members).
func (s *Server) SetMembers(channel string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.members[channel] = users
}

// SetGroup sets a user group's members (usergroups.users.list).
func (s *Server) SetGroup(group string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.socket.groups[group] = users
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	s.mu.Lock()
	members, ok := s.socket.members[form.Get("channel")]
	if r.URL.Path == "/usergroups.users.list" {
		members, ok = s.socket.groups[form.Get("usergroup")]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case !ok && r.URL.Path == "/usergroups.users.list":
		fmt.Fprint(w, `{"ok":false,"error":"no_such_subteam"}`)
	case !ok:
		fmt.Fprint(w, `{"ok":false,"error":"channel_not_found"}`)
	case r.URL.Path == "/usergroups.users.list":
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "users": members})
	default:
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "members": members, "response_metadata": map[string]any{"next_cursor": ""}})
	}
}
