#include "ns3/tcp-flag-drop-model.h"
