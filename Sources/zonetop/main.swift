import ArgumentParser
import ZoneTopCore

ZoneTop.main()
