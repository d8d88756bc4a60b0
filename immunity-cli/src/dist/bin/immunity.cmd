@echo off
rem Immunity, installed: runs the CLI with a JDK 21 or newer from JAVA_HOME or the PATH.
setlocal
set "HERE=%~dp0.."
if defined JAVA_HOME (
  set "JAVA=%JAVA_HOME%\bin\java.exe"
) else (
  set "JAVA=java"
)
"%JAVA%" -version >nul 2>&1
if errorlevel 1 (
  echo immunity: no java found: install a JDK 21 or newer, or set JAVA_HOME 1>&2
  exit /b 1
)
set "CACHE=%LOCALAPPDATA%\immunity"
if not exist "%CACHE%" mkdir "%CACHE%" >nul 2>&1
set "TIER=-XX:TieredStopAtLevel=1"
if /i "%~1"=="serve" set "TIER="
if /i "%~1"=="bench" set "TIER="
if /i "%~1"=="watch" set "TIER="
"%JAVA%" --enable-native-access=ALL-UNNAMED -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError %TIER% ^
  -XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=%CACHE%\immunity-@project.version@.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off ^
  %IMMUNITY_JAVA_OPTS% -jar "%HERE%\lib\immunity-cli.jar" %*
exit /b %ERRORLEVEL%
