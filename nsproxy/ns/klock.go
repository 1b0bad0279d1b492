package ns

import "sync"

// KLock is one of the kernel's own locks (ucounts_lock, the proc_inum_ida
// lock, ...) as the simulator keeps it: under a serialised Env every holder
// already holds the big kernel lock (Env.BKL), which excludes every other
// holder, so the lock is not taken; a standalone Env (a package's tests
// without a Kernel, driving the code from many goroutines) takes it. The
// zero value is unlocked.
type KLock struct{ mu sync.Mutex }

// Lock takes l unless e is serialised.
func (l *KLock) Lock(e *Env) {
	if !e.Serial {
		l.mu.Lock()
	}
}

// Unlock releases l taken by Lock with the same e.
func (l *KLock) Unlock(e *Env) {
	if !e.Serial {
		l.mu.Unlock()
	}
}

// KRWLock is KLock for a reader-writer lock (cgroup_threadgroup_rwsem and
// the like): not taken under a serialised Env.
type KRWLock struct{ mu sync.RWMutex }

// Lock takes l for writing unless e is serialised.
func (l *KRWLock) Lock(e *Env) {
	if !e.Serial {
		l.mu.Lock()
	}
}

// Unlock releases a write lock taken by Lock with the same e.
func (l *KRWLock) Unlock(e *Env) {
	if !e.Serial {
		l.mu.Unlock()
	}
}

// RLock takes l for reading unless e is serialised.
func (l *KRWLock) RLock(e *Env) {
	if !e.Serial {
		l.mu.RLock()
	}
}

// RUnlock releases a read lock taken by RLock with the same e.
func (l *KRWLock) RUnlock(e *Env) {
	if !e.Serial {
		l.mu.RUnlock()
	}
}
