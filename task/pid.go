package task

// Pid allocation in the initial pid namespace (kernel/pid.c, 4.19 alloc_pid for
// level 0). Pid namespaces with one number per level arrive with their issue.

// RESERVED_PIDS is the floor pid numbers wrap to once the cursor passed it.
const RESERVED_PIDS = 300

// PID_MAX_DEFAULT is the default pid_max (include/linux/threads.h).
const PID_MAX_DEFAULT = 32768

// pidTable is init_pid_ns's IDR: the pid → task map and the cyclic cursor
// (idr_next). Guarded by tasklist_lock (the kernel uses pidmap_lock).
type pidTable struct {
	tasks []*Task // index = pid number; nil = free
	next  int32   // cursor: the next number to try
	max   int32   // pid_max
	inUse int
	// reserved stands for the NULL idr entry alloc_pid stores until the task
	// is attached: the number is taken but lookups do not find a task.
	reserved *Task
}

func (p *pidTable) init(pidMax int) {
	if pidMax <= RESERVED_PIDS {
		pidMax = PID_MAX_DEFAULT
	}
	p.max = int32(pidMax)
	p.tasks = make([]*Task, pidMax)
	p.next = 1
	p.reserved = new(Task)
}

// alloc mirrors alloc_pid's idr_alloc_cyclic for one level: the first free
// number at or after the cursor, wrapping to RESERVED_PIDS (or 1 before the
// cursor ever passed it). false when every number is taken (EAGAIN).
func (p *pidTable) alloc() (int32, bool) {
	if p.inUse >= int(p.max)-1 {
		return 0, false
	}
	low := int32(1)
	if p.next > RESERVED_PIDS {
		low = RESERVED_PIDS
	}
	n := p.next
	if n < low {
		n = low
	}
	for tries := int32(0); tries < p.max; tries++ {
		if n >= p.max {
			n = RESERVED_PIDS
		}
		if p.tasks[n] == nil {
			p.next = n + 1
			p.inUse++
			p.tasks[n] = p.reserved
			return n, true
		}
		n++
	}
	return 0, false
}

func (p *pidTable) attach(n int32, t *Task) { p.tasks[n] = t }

// free mirrors free_pid: the number becomes available again.
func (p *pidTable) free(n int32) {
	if p.tasks[n] != nil {
		p.tasks[n] = nil
		p.inUse--
	}
}

func (p *pidTable) lookup(n int32) *Task {
	if n <= 0 || n >= p.max {
		return nil
	}
	if t := p.tasks[n]; t != p.reserved {
		return t
	}
	return nil
}

func (p *pidTable) all() []*Task {
	var s []*Task
	for _, t := range p.tasks {
		if t != nil && t != p.reserved {
			s = append(s, t)
		}
	}
	return s
}
