/* Included by the generated header: proves include reaches the trusted side. */
#define KITCHEN_GREETING "hello, "
