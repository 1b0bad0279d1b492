// Package cgroup models the cgroup core of Linux 4.19.13
// (kernel/cgroup/cgroup.c, kernel/cgroup/cgroup-v1.c,
// include/linux/cgroup-defs.h, include/linux/cgroup.h): hierarchies,
// cgroups, controller states (css), css_sets, the task hooks of fork, exit
// and free, migration, and the text of the core interface files. Controllers
// plug in through the Subsys interface; the task package plugs in through
// Member. The package is self-contained: it knows tasks only as Members.
//
// # Objects and who references whom
//
//   - Globals is one Kernel's cgroup state (Options picks the controllers,
//     the v1 hierarchies mounted at boot, and whether cgroup2 is visible).
//     Controllers get dense ids in include/linux/cgroup_subsys.h order.
//   - Root mirrors struct cgroup_root. The v2 root (cgrp_dfl_root) is
//     hierarchy 0; each v1 mount of a controller set is hierarchy 1, 2, ...
//     and is added at the head of cgroup_roots, so /proc/<pid>/cgroup lists
//     the newest hierarchy first and v2 last. Every controller is bound to
//     exactly one root; the ones not mounted on v1 sit on v2.
//   - Cgroup mirrors struct cgroup. Its self css carries its reference
//     count, held by: the base reference until rmdir; each child cgroup
//     (until the child is freed); each controller css of the cgroup (until
//     that css is freed); each cgrp_cset_link to it (until the css_set is
//     freed). Root cgroups are never freed and not reference counted.
//   - CSS mirrors struct cgroup_subsys_state with a percpu_ref-like count:
//     get always succeeds, tryget fails at zero, tryget_online fails once
//     killed. Held by: its base reference until killed; each child css;
//     each css_set whose vector contains it; whatever controllers keep
//     (css.Get). Root csses are CSS_NO_REF, never freed. Lifecycle:
//     css_alloc → online (CSS_ONLINE, installed in cgroup->subsys[]) →
//     kill_css (CSS_DYING, tryget_online fails) → offline once it and all
//     its children are killed (online_cnt) → released when the count hits
//     zero (CSS_RELEASED, css_released) → freed (css_free, id reused, its
//     cgroup and parent css unpinned). A removed cgroup whose csses or
//     css_sets are still referenced is "dying": cgroup.stat counts it in
//     nr_dying_descendants until its own release.
//   - CSSSet mirrors struct css_set (refcount_t): the css of every
//     controller (the effective css on v2: the nearest ancestor-or-self
//     with the controller enabled) and one cgrp_cset_link per hierarchy.
//     Tasks with identical membership share one (find_css_set looks it up in
//     a 128-bucket hash keyed like css_set_hash and compares exactly as
//     compare_css_sets). Held by: every task from PostFork to Free (an
//     exited task keeps it), migration pins, threaded css_sets chained to
//     it (dom_cset), cgroup namespaces rooted at it (Get/Put).
//     init_css_set has a static reference of its own and is never freed.
//     A css_set freed at zero unpins its csses and cgroups.
//   - TaskCgroups is the task side (task->cgroups, cg_list), embedded in
//     the task; Member lets the core see it and ask PF_EXITING and
//     thread_group_leader.
//
// # Hooks
//
// Fork (cgroup_fork), CanFork / CancelFork (cgroup_can_fork: each
// controller's can_fork in id order, cancelling the earlier ones on a
// refusal), PostFork (cgroup_post_fork: the child joins its parent's
// css_set), Exit (cgroup_exit: leaves the task list, keeps the css_set),
// Free (cgroup_free: controllers' free, then put_css_set). Migration is
// AttachTask / WriteProcs / WriteThreads (cgroup_attach_task: vet the
// destination, preload and pin source css_sets, find destination css_sets,
// can_attach / cancel_attach / commit / attach, unpin). Control changes
// (WriteSubtreeControl, WriteType) create and kill csses and re-home every
// task of the subtree with the same machinery (cgroup_update_dfl_csses).
//
// # Lock order
//
// cgroup_mutex (Globals.mu) → cgroup_threadgroup_rwsem (write side, taken
// by migration and control changes) → css_set_lock → the leaf locks (the
// destroy work queue, the refcount registry and warning log, a cgroup's
// kernfs attributes lock). Fork holds the threadgroup rwsem for reading
// from CanFork to PostFork/CancelFork and takes css_set_lock inside it; it
// never takes cgroup_mutex, except that mainline CLONE_INTO_CGROUP's
// CSSSetForkInto holds it from before the rwsem until PostForkInto or
// CancelForkInto, as migration does. Controller callbacks run with the
// locks the kernel holds at that point (css and attach callbacks under
// cgroup_mutex; fork, exit and free callbacks under neither) and must not
// call the Globals or Cgroup methods that take cgroup_mutex; CSS and CSSSet
// accessors are safe.
//
// cgroup_threadgroup_rwsem (an ns.KRWLock) and css_set_lock (an ns.KLock):
// in a Kernel (a serialised Env) every holder is inside a syscall or holds
// Kernel.Lock, so the big kernel lock stands in for them and they are not
// taken; a standalone Env (this package's tests) takes them. The readers
// that take css_set_lock (NrTasks, Dead, NrCSSSets, Check) therefore follow
// the Kernel's reader contract. cgroup_mutex is taken in both, inside the
// big kernel lock. A css_set's
// refcount_t is a plain word under a serialised Env's refcount domain, read
// by code in a syscall, a holder of Kernel.Lock, or at a moment when no
// syscall is in flight.
//
// # Asynchronous destruction
//
// The kernel offlines, releases and frees csses from a workqueue and after
// RCU grace periods. Here that work is queued and run in order, under
// cgroup_mutex, by the Globals' own kworker context (pid 0 in traces),
// just before the operation that queued it returns (after its trace scope
// closed, as a workqueue runs after the syscall). Work queued while another
// goroutine holds cgroup_mutex is run by that holder once it unlocks. Every
// returned call therefore observes a kernel whose workqueue and RCU have
// been flushed.
//
// # Invariants (Check recomputes them)
//
// nr_tasks of a css_set is the length of its tasks and mg_tasks lists; a
// css_set has one link per hierarchy; nr_populated_csets is the number of
// populated css_sets linked to the cgroup; nr_populated_domain_children and
// nr_populated_threaded_children count populated children by type;
// nr_descendants counts live descendants and nr_dying_descendants removed
// ones not yet released; css_set_count is the number of css_sets hashed.
// A cgroup is populated iff some task not yet through Exit is in its
// subtree.
//
// # Not modelled
//
// kernfs inodes and permissions (cgroupfs checks them; the core keeps the
// nodes' owners and modes with each cgroup, kernfs.go, and offers the
// nsdelegate tests, nsdelegate.go), controllers' own interface files (mkdir does
// not see them as existing names), css_reset and depends_on, v1 release
// agents and notify_on_release, v1 name= hierarchies, remounts, rebinding
// after boot and unmounting (v1 roots are never freed, so their root
// cgroups are not reference counted), the 10 ms rate limit of
// cgroup_file_notify (EventsNotified counts every populated flip of a v2
// non-root cgroup), cgroup_enable_task_cg_lists (tasks are linked from the
// start, as after the first mount), post_attach, css_task_iter resumption
// across concurrent changes (readers walk under css_set_lock in one go).
package cgroup
