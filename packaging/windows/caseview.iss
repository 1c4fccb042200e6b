; Inno Setup script: a per-user installer for CaseView on Windows 10/11 (x64).
;
; Build (on Windows, after build.spec has made dist\caseview\ and its --self-test passed):
;   iscc /DAppVersion=0.1.0 packaging\windows\caseview.iss
; Output: dist\CaseView-<version>-setup.exe
;
; Per-user: no administrator rights are asked for (PrivilegesRequired=lowest). The program goes to
; %LOCALAPPDATA%\Programs\CaseView ({autopf} in per-user mode), the Start menu entry and the .cvb file
; association to the user's own registry hive (HKA = HKCU\Software\Classes in per-user mode). Silent
; install, run as the user (docs/install.md, "Deploying on Windows"):
;   CaseView-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
; and removal with "%LOCALAPPDATA%\Programs\CaseView\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES.
; /ALLUSERS instead (as an administrator) installs for every user: Program Files, HKLM, the common Start menu.
; The reviewer's workspace (%LOCALAPPDATA%\CaseView: cases, reviews, identities) is never touched by
; installing, upgrading or uninstalling.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root "..\.."

[Setup]
AppId={{5B0C8E0E-6C1B-4E42-9A0E-CA5E71E0C0DE}
AppName=CaseView
AppVersion={#AppVersion}
AppVerName=CaseView {#AppVersion}
AppPublisher=CaseView
DefaultDirName={autopf}\CaseView
DefaultGroupName=CaseView
DisableProgramGroupPage=yes
DisableDirPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=CaseView-{#AppVersion}-setup
SetupIconFile={#Root}\resources\icons\caseview.ico
UninstallDisplayIcon={app}\caseview-desktop.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#Root}\dist\caseview\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\CaseView"; Filename: "{app}\caseview-desktop.exe"; Comment: "Independent review of case files"
Name: "{autoprograms}\CaseView demo case"; Filename: "{app}\caseview-desktop.exe"; Parameters: "--demo"

[Registry]
; .cvb → CaseView.Bundle, in the user's own classes (HKCU; HKLM only for an /ALLUSERS install).
Root: HKA; Subkey: "Software\Classes\.cvb"; ValueType: string; ValueName: ""; ValueData: "CaseView.Bundle"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.cvb"; ValueType: string; ValueName: "Content Type"; ValueData: "application/vnd.caseview.bundle+zip"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\CaseView.Bundle"; ValueType: string; ValueName: ""; ValueData: "CaseView case bundle"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\CaseView.Bundle\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\caseview-desktop.exe,0"
Root: HKA; Subkey: "Software\Classes\CaseView.Bundle\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\caseview-desktop.exe"" ""%1"""

[Run]
; Check the installed program once, offline, before the reviewer relies on it (skipped in a silent install:
; run it from the deployment script instead).
Filename: "{app}\caseview.exe"; Parameters: "--self-test"; Description: "Check the installation (about 10 seconds)"; Flags: postinstall skipifsilent runhidden waituntilterminated
