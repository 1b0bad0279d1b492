package refcount

import "sync"

// Kref mirrors struct kref (include/linux/kref.h): a refcount_t whose last
// put runs a release function exactly once. A Kref must not be copied after
// first use.
type Kref struct {
	Refcount Refcount
}

// Init mirrors kref_init (include/linux/kref.h): the count starts at 1. d
// and owner are as for Refcount.Init.
func (k *Kref) Init(d *Domain, owner Object) { k.Refcount.Init(d, owner, 1) }

// Read mirrors kref_read (include/linux/kref.h).
func (k *Kref) Read() uint32 { return k.Refcount.Read() }

// Get mirrors kref_get (include/linux/kref.h), which is refcount_inc.
func (k *Kref) Get() { k.Refcount.Inc() }

// GetUnlessZero mirrors kref_get_unless_zero (include/linux/kref.h), which
// is refcount_inc_not_zero: it takes a reference only if the object is not
// already on its way to release.
func (k *Kref) GetUnlessZero() bool { return k.Refcount.IncNotZero() }

// Put mirrors kref_put (include/linux/kref.h): it drops a reference and, if
// that was the last one (refcount_dec_and_test succeeded), calls release
// and returns true. release may be nil. Of all concurrent Puts on the same
// Kref exactly one observes the 1 -> 0 transition and releases.
func (k *Kref) Put(release func()) bool {
	if k.Refcount.DecAndTest() {
		if release != nil {
			release()
		}
		return true
	}
	return false
}

// PutLock mirrors kref_put_lock and kref_put_mutex (include/linux/kref.h):
// like Put, but the final drop happens with l held (refcount_dec_and_lock),
// and release is called with l still held and is responsible for unlocking
// it, as in the kernel. If release is nil, PutLock unlocks l itself.
func (k *Kref) PutLock(l sync.Locker, release func()) bool {
	if k.Refcount.DecAndLock(l) {
		if release != nil {
			release()
		} else {
			l.Unlock()
		}
		return true
	}
	return false
}
