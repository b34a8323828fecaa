#!/bin/sh
# Which path the library takes on each configuration, checked against the
# kernel's own view (smaps VmFlags, statx): MAP_SYNC on every DAX one, the
# page fallback with the matching cause everywhere else.
c=$SYNCMAP_DAX_TOOLS/dax-check
$c map map-ext4-dax "$SYNCMAP_DAX_EXT4/map" sync
$c map map-xfs-dax "$SYNCMAP_DAX_XFS/map" sync
$c map map-devdax "$SYNCMAP_DAX_DEVDAX" sync
$c map map-ext4-inode-flagged "$SYNCMAP_DAX_INODE_ON/map" sync
$c map map-ext4-inode-unflagged "$SYNCMAP_DAX_INODE_OFF/map" page inode_dax_flag_unset
$c map map-ext4-nodax "$SYNCMAP_DAX_NODAX/map" page fs_not_dax_mounted
$c map map-tmpfs "$SYNCMAP_DAX_TMPFS/map" page fs_not_dax_capable
# Where MAP_SYNC is impossible, asking for it must fail and say why.
$c require-sync require-sync-ext4-nodax "$SYNCMAP_DAX_NODAX/req" fs_not_dax_mounted
$c require-sync require-sync-ext4-inode-unflagged "$SYNCMAP_DAX_INODE_OFF/req" inode_dax_flag_unset
$c require-sync require-sync-tmpfs "$SYNCMAP_DAX_TMPFS/req" fs_not_dax_capable
