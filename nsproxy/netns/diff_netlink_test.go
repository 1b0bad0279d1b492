//go:build linux

package netns_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

// A minimal NETLINK_ROUTE client for the differential test's helper
// process: it sends the requests iproute2's `ip link` sends and returns the
// kernel's errno, so names that iproute2 itself would refuse still reach
// the kernel.

const (
	iflaNetNSFD  = 28 // IFLA_NET_NS_FD
	iflaCarrier  = 33 // IFLA_CARRIER
	iflaInfoKind = 1  // IFLA_INFO_KIND
	iflaInfoData = 2  // IFLA_INFO_DATA
	vethInfoPeer = 1  // VETH_INFO_PEER
	ifinfomsgLen = syscall.SizeofIfInfomsg
)

type nlSock struct {
	fd  int
	seq uint32
}

func newNlSock() (*nlSock, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return &nlSock{fd: fd}, nil
}

func (s *nlSock) Close() { syscall.Close(s.fd) }

// attr encodes one rtattr, padded to 4 bytes.
func attr(typ uint16, data []byte) []byte {
	l := syscall.SizeofRtAttr + len(data)
	b := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(l))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[syscall.SizeofRtAttr:], data)
	return b
}

func strAttr(typ uint16, s string) []byte { return attr(typ, append([]byte(s), 0)) }

func u32Attr(typ uint16, v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return attr(typ, b)
}

func ifinfo(index int32, flags, change uint32) []byte {
	m := syscall.IfInfomsg{Family: syscall.AF_UNSPEC, Index: index, Flags: flags, Change: change}
	return (*[ifinfomsgLen]byte)(unsafe.Pointer(&m))[:]
}

// request sends one message and returns the errno of its ACK (0 for success).
func (s *nlSock) request(typ, flags uint16, body []byte) (syscall.Errno, error) {
	s.seq++
	h := syscall.NlMsghdr{Len: uint32(syscall.NLMSG_HDRLEN + len(body)), Type: typ,
		Flags: flags | syscall.NLM_F_REQUEST | syscall.NLM_F_ACK, Seq: s.seq}
	msg := append((*[syscall.NLMSG_HDRLEN]byte)(unsafe.Pointer(&h))[:], body...)
	if err := syscall.Sendto(s.fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return 0, err
	}
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(s.fd, buf, 0)
		if err != nil {
			return 0, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return 0, err
		}
		for _, m := range msgs {
			if m.Header.Seq != s.seq || m.Header.Type != syscall.NLMSG_ERROR {
				continue
			}
			code := int32(binary.NativeEndian.Uint32(m.Data[:4]))
			return syscall.Errno(-code), nil
		}
	}
}

// nlLink is what RTM_GETLINK reports of a device.
type nlLink struct {
	Name      string
	Index     int
	Flags     uint32 // dev_get_flags
	Type      uint16
	MTU       int
	Operstate uint8 // IF_OPER_DOWN when not running
	Carrier   bool
	Link      int // IFLA_LINK: iflink when it differs from the index
	Addr      string
}

// dump lists the socket's namespace's devices (rtnl_dump_ifinfo).
func (s *nlSock) dump() ([]nlLink, error) {
	s.seq++
	body := ifinfo(0, 0, 0)
	h := syscall.NlMsghdr{Len: uint32(syscall.NLMSG_HDRLEN + len(body)), Type: syscall.RTM_GETLINK,
		Flags: syscall.NLM_F_REQUEST | syscall.NLM_F_DUMP, Seq: s.seq}
	msg := append((*[syscall.NLMSG_HDRLEN]byte)(unsafe.Pointer(&h))[:], body...)
	if err := syscall.Sendto(s.fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, err
	}
	var out []nlLink
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(s.fd, buf, 0)
		if err != nil {
			return nil, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case syscall.NLMSG_DONE:
				return out, nil
			case syscall.NLMSG_ERROR:
				return nil, errors.New("dump failed")
			case syscall.RTM_NEWLINK:
				out = append(out, parseLink(m))
			}
		}
	}
}

func parseLink(m syscall.NetlinkMessage) nlLink {
	ifi := (*syscall.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
	l := nlLink{Index: int(ifi.Index), Flags: ifi.Flags, Type: ifi.Type}
	attrs, _ := syscall.ParseNetlinkRouteAttr(&m)
	for _, a := range attrs {
		switch a.Attr.Type {
		case syscall.IFLA_IFNAME:
			l.Name = string(a.Value[:len(a.Value)-1])
		case syscall.IFLA_MTU:
			l.MTU = int(binary.NativeEndian.Uint32(a.Value))
		case syscall.IFLA_OPERSTATE:
			l.Operstate = a.Value[0]
		case iflaCarrier:
			l.Carrier = a.Value[0] != 0
		case syscall.IFLA_LINK:
			l.Link = int(binary.NativeEndian.Uint32(a.Value))
		case syscall.IFLA_ADDRESS:
			l.Addr = fmt.Sprintf("% x", a.Value)
		}
	}
	return l
}

// newlink is `ip link add [name NAME] type KIND [peer [name PEER] [netns FD]]`.
func (s *nlSock) newlink(kind, name, peer string, peerFD int) (syscall.Errno, error) {
	body := ifinfo(0, 0, 0)
	if name != "" {
		body = append(body, strAttr(syscall.IFLA_IFNAME, name)...)
	}
	info := strAttr(iflaInfoKind, kind)
	if peer != "" || peerFD >= 0 {
		p := ifinfo(0, 0, 0)
		if peer != "" {
			p = append(p, strAttr(syscall.IFLA_IFNAME, peer)...)
		}
		if peerFD >= 0 {
			p = append(p, u32Attr(iflaNetNSFD, uint32(peerFD))...)
		}
		info = append(info, attr(iflaInfoData|syscall.NLA_F_NESTED, attr(vethInfoPeer, p))...)
	}
	body = append(body, attr(syscall.IFLA_LINKINFO|syscall.NLA_F_NESTED, info)...)
	return s.request(syscall.RTM_NEWLINK, syscall.NLM_F_CREATE|syscall.NLM_F_EXCL, body)
}

// setlink sends RTM_NEWLINK without NLM_F_CREATE for device index, as
// `ip link set` does: flags under change, an optional new name, an optional
// target namespace.
func (s *nlSock) setlink(index int, flags, change uint32, newName string, nsFD int) (syscall.Errno, error) {
	body := ifinfo(int32(index), flags, change)
	if newName != "" {
		body = append(body, strAttr(syscall.IFLA_IFNAME, newName)...)
	}
	if nsFD >= 0 {
		body = append(body, u32Attr(iflaNetNSFD, uint32(nsFD))...)
	}
	return s.request(syscall.RTM_NEWLINK, 0, body)
}

// dellink is `ip link del`: RTM_DELLINK for the index.
func (s *nlSock) dellink(index int) (syscall.Errno, error) {
	return s.request(syscall.RTM_DELLINK, 0, ifinfo(int32(index), 0, 0))
}
