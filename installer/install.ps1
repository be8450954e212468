<#
.SYNOPSIS
Installs sms-bridge for the current user on Windows: trusts its local CA in the user's
Trusted Root store, starts it at login (per-user Run key) and writes the add-in manifest.

.DESCRIPTION
Downloads nothing; it only runs the sms-bridge.exe that sits next to this script (or the
one on the PATH). Windows asks once to confirm the new root certificate.

.EXAMPLE
.\install.ps1              # install
.\install.ps1 -DryRun      # show every step, change nothing
.\install.ps1 -Uninstall   # undo the install
#>
param(
    [switch]$Uninstall,
    [switch]$DryRun
)

$ErrorActionPreference = 'Stop'

$bridge = Join-Path $PSScriptRoot 'sms-bridge.exe'
if (-not (Test-Path $bridge)) {
    $found = Get-Command 'sms-bridge.exe' -ErrorAction SilentlyContinue
    if (-not $found) {
        Write-Error 'install.ps1: sms-bridge.exe not found next to this script or on the PATH'
        exit 1
    }
    $bridge = $found.Source
}

$arguments = @(if ($Uninstall) { 'uninstall' } else { 'install' })
if ($DryRun) { $arguments += '--dry-run' }

& $bridge @arguments
exit $LASTEXITCODE
