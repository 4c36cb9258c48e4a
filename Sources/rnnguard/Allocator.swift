import CMalloc

/// glibc's allocator, set for certification's working set.
///
/// A backward pass allocates coefficient matrices of up to megabytes and frees them when it ends. With
/// glibc's defaults, blocks above the mmap threshold are mapped and unmapped on every pass, and freed
/// memory at the top of the heap is given back to the kernel; every pass then pays page faults and page
/// zeroing for memory it held a moment before (a quarter of a W2 full check: `perf` shows
/// `exc_page_fault` and `clear_page_erms`). Serving blocks up to 32 MiB (glibc's largest mmap threshold)
/// from the heap, and keeping up to 256 MiB of freed memory, lets the next pass reuse it. The peak
/// resident size does not change: the same blocks are live at the peak either way.
enum Allocator {
    static func keepWorkingSetResident() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    }
}
