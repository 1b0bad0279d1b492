package refcount

import (
	"strconv"
)

// obj is a minimal tracked kernel object for tests: it embeds a Node and a
// Kref the way simulated kernel objects do.
type obj struct {
	kind string
	id   string
	ref  Kref
	node Node
}

func (o *obj) RefKind() string { return o.kind }
func (o *obj) RefID() string   { return o.id }
func (o *obj) RefCount() int64 { return int64(o.ref.Read()) }
func newObj(kind string, id int) *obj {
	return &obj{kind: kind, id: strconv.Itoa(id)}
}
