package netns

import (
	"slices"
	"strconv"
)

// devHeader is what dev_seq_show prints for SEQ_START_TOKEN (net/core/net-procfs.c).
const devHeader = "Inter-|   Receive                                                |  Transmit\n" +
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"

// ShowDev renders /proc/net/dev for n as dev_seq_show does: the two header
// lines, then one dev_seq_printf_stats line per device ("%6s:" and sixteen
// right-aligned counters, all 0: traffic is not modelled).
//
// Order: 4.19 walks the name hash (net->dev_name_head, salted with the
// struct net address), so its order differs between boots; the simulator
// uses the device-list order as a stable stand-in. Mainline (for_each_netdev_dump
// over the ifindex xarray, as on the 6.18 machine) lists by ascending ifindex.
func (n *Namespace) ShowDev() string {
	type row struct {
		name    string
		ifindex int
	}
	n.g.rtnl.Lock()
	rows := make([]row, len(n.devs))
	for i, d := range n.devs {
		rows[i] = row{d.name, d.ifindex}
	}
	n.g.rtnl.Unlock()
	if n.g.env.Mainline() {
		slices.SortFunc(rows, func(a, b row) int { return a.ifindex - b.ifindex })
	}
	b := make([]byte, 0, len(devHeader)+len(rows)*128)
	b = append(b, devHeader...)
	for _, r := range rows {
		b = appendDevStats(b, r.name)
	}
	return string(b)
}

// devStatWidths are dev_seq_printf_stats' field widths after "%6s:":
// rx bytes packets errs drop fifo frame compressed multicast, tx bytes
// packets errs drop fifo colls carrier compressed.
const devStatWidths = "\x07\x07\x04\x04\x04\x05\x0a\x09\x08\x07\x04\x04\x04\x05\x07\x0a"

// appendDevStats appends one /proc/net/dev line with every counter 0. The
// name is padded in bytes, as printf's %6s pads a C string.
func appendDevStats(b []byte, name string) []byte {
	for i := len(name); i < 6; i++ {
		b = append(b, ' ')
	}
	b = append(b, name...)
	b = append(b, ':')
	for i := 0; i < len(devStatWidths); i++ {
		b = append(b, ' ')
		b = appendPadded(b, 0, int(devStatWidths[i]))
	}
	return append(b, '\n')
}

func appendPadded(b []byte, v uint64, w int) []byte {
	s := strconv.FormatUint(v, 10)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}
