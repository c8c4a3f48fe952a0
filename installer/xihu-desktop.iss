; Inno Setup script (optional): wraps dist\xihu-desktop\ (built with build_installer.spec)
; into a setup.exe with a desktop shortcut and a Chinese uninstall entry.
;   iscc /DAppVersion=0.1.0 installer\xihu-desktop.iss
; Needs Inno Setup 6 with ChineseSimplified.isl (shipped with Inno Setup 6.4 and later;
; for older versions copy the translation into its Languages folder).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "西湖区“六个一批”任务台账"
#define AppExe "xihu-desktop.exe"

[Setup]
AppId={{6F0C4B8E-3F3B-4C55-9E57-58484C470001}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=杭州市西湖区发展和改革局
DefaultDirName={autopf}\XihuDesktop
DefaultGroupName={#AppName}
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
SetupIconFile=..\resources\icons\xihu.ico
OutputDir=..\dist
OutputBaseFilename=xihu-desktop-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "附加快捷方式："

[Files]
Source: "..\dist\xihu-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "启动 {#AppName}"; Flags: nowait postinstall skipifsilent
