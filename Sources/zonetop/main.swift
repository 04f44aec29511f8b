import ArgumentParser
import ZoneTopCore

#if canImport(Glibc)
import Glibc
#endif

// A closed stdout (`zonetop snapshot ... | head -1`) is an EPIPE write error, not a signal.
signal(SIGPIPE, SIG_IGN)
ZoneTop.main()
