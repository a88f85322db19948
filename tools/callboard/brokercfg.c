#include <stdio.h>
#include "cli.h"
int cmd_broker_config(int argc, char **argv)
{
	return 2;
}
