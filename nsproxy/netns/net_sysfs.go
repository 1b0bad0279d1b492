package netns

import (
	"strconv"

	"github.com/kernsim/kernsim/uapi"
)

// SysfsAttrs lists the /sys/class/net/<dev>/ attributes SysfsRead serves.
func SysfsAttrs() []string {
	return []string{"address", "carrier", "flags", "ifindex", "mtu", "operstate", "type"}
}

// SysfsRead returns the text of /sys/class/net/<dev>/<attr> as seen in n
// (sysfs shows the devices of the namespace that mounted it), one line with
// its newline, as net-sysfs.c's show functions print it: ifindex, mtu and
// type "%d"; flags "%#x" (dev->flags only: no IFF_RUNNING or IFF_LOWER_UP);
// operstate (operstate_show: "down" when not running); address
// (sysfs_format_mac); carrier (carrier_show: "0"/"1", EINVAL when the device
// is not running). An unknown device or attribute is ENOENT.
func (n *Namespace) SysfsRead(dev, attr string) (string, error) {
	n.g.rtnl.Lock()
	defer n.g.rtnl.Unlock()
	d := n.devGetByName(dev)
	if d == nil {
		return "", uapi.Err("open", uapi.ENOENT, "no /sys/class/net/"+dev, "kernfs_iop_lookup")
	}
	switch attr {
	case "ifindex":
		return strconv.Itoa(d.ifindex) + "\n", nil
	case "mtu":
		return strconv.Itoa(d.mtu) + "\n", nil
	case "type":
		return strconv.Itoa(int(d.typ)) + "\n", nil
	case "flags":
		return formatHexAlt(d.flags) + "\n", nil
	case "operstate":
		return d.operstateName() + "\n", nil
	case "address":
		return formatMAC(d.addr) + "\n", nil
	case "carrier":
		if !d.netifRunning() {
			return "", uapi.Err("read", uapi.EINVAL, "device "+strconv.Quote(d.name)+" is not running", "carrier_show")
		}
		if d.noCarrier {
			return "0\n", nil
		}
		return "1\n", nil
	}
	return "", uapi.Err("open", uapi.ENOENT, "no /sys/class/net/"+dev+"/"+attr, "kernfs_iop_lookup")
}

// formatHexAlt mirrors printf's "%#x": "0x" then lower-case hex, except that
// zero prints as plain "0".
func formatHexAlt(v uint32) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}
