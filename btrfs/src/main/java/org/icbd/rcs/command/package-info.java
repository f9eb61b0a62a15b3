/**
 * Running external commands: {@link org.icbd.rcs.command.CommandRunner} is the one way this project
 * starts a process. Commands are argument lists, never shell strings; every run has a timeout, an exit
 * code, a bounded tail of its stderr and one log line.
 */
package org.icbd.rcs.command;
