/* ctrlsend NAME EVENT: runs kernelbase's CtrlRoutine(EVENT) on a new thread in
 * the process named NAME, as the Windows console host does when the console
 * window is closed (EVENT 2, CTRL_CLOSE_EVENT). Wine 8's console window does
 * not send that event when closed, so scripts/wine_smoke.py sends it this way
 * to test banter-server's close handler. For tests under Wine only. */
#include <windows.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    PROCESSENTRY32 entry;
    HANDLE snapshot, process, thread;
    FARPROC routine;
    DWORD pid = 0;
    BOOL more;

    if (argc < 3) {
        fprintf(stderr, "usage: ctrlsend NAME EVENT\n");
        return 2;
    }
    snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    entry.dwSize = sizeof entry;
    for (more = Process32First(snapshot, &entry); more; more = Process32Next(snapshot, &entry))
        if (!_stricmp(entry.szExeFile, argv[1]))
            pid = entry.th32ProcessID;
    CloseHandle(snapshot);
    if (!pid) {
        fprintf(stderr, "ctrlsend: no process %s\n", argv[1]);
        return 1;
    }
    routine = GetProcAddress(GetModuleHandleA("kernelbase.dll"), "CtrlRoutine");
    if (!routine)
        routine = GetProcAddress(GetModuleHandleA("kernel32.dll"), "CtrlRoutine");
    process = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_QUERY_INFORMATION | PROCESS_VM_OPERATION
                          | PROCESS_VM_WRITE | PROCESS_VM_READ, FALSE, pid);
    if (!routine || !process) {
        fprintf(stderr, "ctrlsend: cannot reach CtrlRoutine in process %lu\n", pid);
        return 1;
    }
    thread = CreateRemoteThread(process, NULL, 0, (LPTHREAD_START_ROUTINE)routine,
                                (LPVOID)(DWORD_PTR)atoi(argv[2]), 0, NULL);
    if (!thread) {
        fprintf(stderr, "ctrlsend: CreateRemoteThread failed (%lu)\n", GetLastError());
        return 1;
    }
    CloseHandle(thread);
    CloseHandle(process);
    return 0;
}
