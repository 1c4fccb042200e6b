"""The first thing a PDF worker process does: silence its output and cap its memory, by the platform's own means.

POSIX caps the address space (``setrlimit(RLIMIT_AS)``). Windows has no
``resource`` module: there the worker puts itself in a Job Object whose
per-process memory limit caps its committed memory, and which kills whatever
is left in it (a child PDFium started, say) when the worker's handle closes.
Each mechanism is imported only on its platform. If confinement fails the
worker carries on unconfined (the parent's timeouts still protect the app) and
:func:`confine_worker` says so in the sentence it returns.
"""

from __future__ import annotations

import os
import sys

_JOB_HANDLE = None  # Windows: the worker's own Job Object, open for as long as the worker lives


def confine_worker(memory_bytes: int) -> str:
    """Silence fds 1 and 2, then cap memory; returns which mechanism confines this process, in words."""
    # Whatever the engine or a dying interpreter prints must not reach the user's terminal.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
    try:
        if sys.platform == "win32":
            return _confine_windows(memory_bytes)
        return _confine_posix(memory_bytes)
    except Exception as exc:  # never let confinement stop the worker; the timeouts remain
        return f"none, {type(exc).__name__}: {exc}; only the timeouts protect CaseView"


def _mb(n: int) -> str:
    return f"{n // (1 << 20)} MB"


def _confine_posix(memory_bytes: int) -> str:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    return f"setrlimit RLIMIT_AS: address space capped at {_mb(memory_bytes)}"


# -- Windows -------------------------------------------------------------------

JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x0100
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x0400
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9


def job_limit_structure():
    """``JOBOBJECT_EXTENDED_LIMIT_INFORMATION`` as a ctypes Structure, from fixed-width types.

    Built from ``c_int64``/``c_uint32``/``c_size_t`` rather than ``wintypes`` so that its
    layout (144 bytes on 64-bit Windows) can be checked on any platform.
    """
    import ctypes

    class BasicLimit(ctypes.Structure):
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", ctypes.c_uint32), ("MinimumWorkingSetSize", ctypes.c_size_t),
                    ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", ctypes.c_uint32),
                    ("Affinity", ctypes.c_size_t), ("PriorityClass", ctypes.c_uint32),
                    ("SchedulingClass", ctypes.c_uint32)]

    class IoCounters(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint64) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]

    class ExtendedLimit(ctypes.Structure):
        _fields_ = [("BasicLimitInformation", BasicLimit), ("IoInfo", IoCounters),
                    ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                    ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]

    return ExtendedLimit


def job_limits(memory_bytes: int):
    """The extended limits a worker's Job Object gets: memory per process, kill on close, no crash dialog."""
    info = job_limit_structure()()
    info.BasicLimitInformation.LimitFlags = (JOB_OBJECT_LIMIT_PROCESS_MEMORY | JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
                                             | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION)
    info.ProcessMemoryLimit = memory_bytes
    return info


if sys.platform == "win32":
    def _confine_windows(memory_bytes: int) -> str:
        global _JOB_HANDLE
        import ctypes
        from ctypes import wintypes

        k32 = ctypes.WinDLL("kernel32", use_last_error=True)
        k32.CreateJobObjectW.argtypes = (wintypes.LPVOID, wintypes.LPCWSTR)
        k32.CreateJobObjectW.restype = wintypes.HANDLE
        k32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD)
        k32.SetInformationJobObject.restype = wintypes.BOOL
        k32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
        k32.AssignProcessToJobObject.restype = wintypes.BOOL
        k32.GetCurrentProcess.argtypes = ()
        k32.GetCurrentProcess.restype = wintypes.HANDLE
        k32.CloseHandle.argtypes = (wintypes.HANDLE,)
        k32.CloseHandle.restype = wintypes.BOOL

        job = k32.CreateJobObjectW(None, None)
        if not job:
            raise ctypes.WinError(ctypes.get_last_error())
        info = job_limits(memory_bytes)
        if not k32.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
                                           ctypes.byref(info), ctypes.sizeof(info)):
            err = ctypes.get_last_error()
            k32.CloseHandle(job)
            raise ctypes.WinError(err)
        # Nested jobs (Windows 8 and later) let this work even when the app itself runs inside one.
        if not k32.AssignProcessToJobObject(job, k32.GetCurrentProcess()):
            err = ctypes.get_last_error()
            k32.CloseHandle(job)
            raise ctypes.WinError(err)
        _JOB_HANDLE = job  # never closed by hand: the system closes it, and ends the job, when the worker exits
        return f"Job Object: memory capped at {_mb(memory_bytes)} a process, all killed when the worker ends"
else:
    def _confine_windows(memory_bytes: int) -> str:
        raise OSError("Job Objects exist only on Windows")


def _probe_main(conn, memory_bytes: int) -> None:
    conn.send(confine_worker(memory_bytes))
    conn.close()


def probe(memory_bytes: int, *, timeout: float = 60.0) -> str:
    """Start a worker process the way the PDF workers start, confine it, and return what it said it used."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_probe_main, args=(child, memory_bytes), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            return "none, the worker process did not answer"
        return parent.recv()
    except EOFError:
        return "none, the worker process ended before it answered"
    finally:
        parent.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
